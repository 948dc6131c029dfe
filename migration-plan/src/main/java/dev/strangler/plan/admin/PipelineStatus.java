package dev.strangler.plan.admin;

/**
 * A cdc-sync pipeline as cdc-sync reports it.
 *
 * @param name pipeline name
 * @param state its state (e.g. RUNNING, PAUSED, FAILED)
 * @param lagMillis source commit → applied in target, latest, null if unknown
 * @param deadLetters changes that could not be applied
 * @param conflicts conflicting changes resolved
 * @param lastVerifyEqual the result of the last verify, null if never verified
 */
public record PipelineStatus(String name, String state, Double lagMillis, long deadLetters, long conflicts,
                             Boolean lastVerifyEqual) {}
