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
 * @param keyProblems the target keys whose sequence collides with copied keys or may meet the other
 *     side's, one a line ({@code table.column STATUS: problem; fix: ...}); empty when every one is OK
 */
public record PipelineStatus(String name, String state, Double lagMillis, long deadLetters, long conflicts,
                             Boolean lastVerifyEqual, java.util.List<String> keyProblems) {

  public PipelineStatus {
    keyProblems = keyProblems == null ? java.util.List.of() : java.util.List.copyOf(keyProblems);
  }

  public PipelineStatus(String name, String state, Double lagMillis, long deadLetters, long conflicts,
                        Boolean lastVerifyEqual) {
    this(name, state, lagMillis, deadLetters, conflicts, lastVerifyEqual, java.util.List.of());
  }
}
