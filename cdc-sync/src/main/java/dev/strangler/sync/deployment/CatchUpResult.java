package dev.strangler.sync.deployment;

/**
 * The answer of a catch-up.
 *
 * @param pipeline the pipeline
 * @param caughtUp true when every change committed on the source before the call is applied
 * @param sourceLsn the source's WAL position at the call
 * @param capturedLsn capture's WAL position now (null before it read anything)
 * @param pendingEvents changes in Kafka not yet applied, null when not known
 * @param waitedMillis how long the call waited
 */
public record CatchUpResult(String pipeline, boolean caughtUp, String sourceLsn, String capturedLsn, Long pendingEvents,
                            long waitedMillis) {}
