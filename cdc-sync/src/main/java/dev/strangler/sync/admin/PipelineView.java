package dev.strangler.sync.admin;

import dev.strangler.sync.keys.KeyRange;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineStats;
import dev.strangler.sync.deployment.Pipelines;
import dev.strangler.sync.verify.Verifier;
import java.util.List;

/**
 * A pipeline as the admin API shows it.
 *
 * @param name the pipeline
 * @param source its source datasource
 * @param target its target datasource
 * @param state where it is ({@code STARTING}, {@code SNAPSHOT}, {@code STREAMING}, {@code CAPTURE_BLOCKED},
 *     {@code PAUSED}, {@code FAILED}, {@code STOPPED}, {@code RETIRED})
 * @param lastError the last error, or null
 * @param lag source commit → applied, in ms
 * @param eventsCaptured changes sent to Kafka
 * @param eventsApplied changes written to the target
 * @param eventsPerSecond captured and applied per second over the last 5 s
 * @param echoesDropped captured changes dropped because cdc-sync applied them from this pipeline's target
 * @param deadLetters changes sent to {@code <pipeline>.dlq}
 * @param conflicts rows changed on both sides concurrently
 * @param snapshot initial snapshot progress
 * @param slot replication slot
 * @param publication publication
 * @param tables source → target tables
 * @param position capture's WAL position and the applied offset per topic partition
 * @param lastVerify the last verify since cdc-sync started, or null
 * @param retired what retiring it dropped on the source (its tables from the shared publication, or
 *     the slot, publication and offsets when it was the source's last pipeline), null if not retired
 * @param capture which instance answers, and which one captures the pipeline's source (holds its lease)
 * @param keyRanges for every target key column from a sequence (serial or identity), whether the
 *     target's next value is beyond the keys on both sides and, both ways, whether the two sides'
 *     sequences can meet; read at each call
 * @param verifying the whole verify running now on this instance (chunks done, chunks resumed), or null
 */
record PipelineView(String name, String source, String target, String state, String lastError, Lag lag,
                    long eventsCaptured, long eventsApplied, Rates eventsPerSecond, long echoesDropped, long deadLetters, long conflicts,
                    Snapshot snapshot, String slot, String publication, List<String> tables,
                    Pipelines.Position position, Verifier.LastVerify lastVerify, String retired, Capture capture,
                    List<KeyRange> keyRanges, Verifier.Running verifying) {

  /** @param instance the instance answering  @param owner the instance capturing the source (null: none now) */
  record Capture(String instance, String owner) {}

  /** @param lastMillis the latest  @param p50Millis median (last 2 min)  @param p99Millis 99th percentile (last 2 min) */
  record Lag(long lastMillis, double p50Millis, double p99Millis) {}

  /** @param captured events/s sent to Kafka  @param applied events/s written to the target */
  record Rates(double captured, double applied) {}

  /**
   * @param rowsDone rows copied
   * @param rowsTotal while a new slot's snapshot is copied the estimate of {@code pg_class.reltuples} (-1 if a
   *     table was never analyzed), the rows copied once done; for an incremental snapshot the rows counted
   *     when it began; -1 before a snapshot
   */
  record Snapshot(long rowsDone, long rowsTotal) {}

  static PipelineView of(Pipeline pipeline, Pipelines pipelines, Verifier verifier) {
    PipelineStats stats = pipeline.stats();
    return new PipelineView(pipeline.name(), pipeline.config().source(), pipeline.config().target(),
        pipeline.state().name(), pipeline.lastError(),
        new Lag(stats.lastLagMillis(), stats.lagPercentileMillis(0.5), stats.lagPercentileMillis(0.99)),
        stats.capturedCount(), stats.appliedCount(),
        new Rates(Math.round(stats.capturedPerSecond() * 10) / 10.0, Math.round(stats.appliedPerSecond() * 10) / 10.0),
        stats.echoesDropped(), stats.deadLetterCount(),
        stats.conflictCount(), new Snapshot(stats.snapshotRowsDone(), stats.snapshotRowsTotal()),
        pipeline.slotName(), pipeline.publicationName(),
        pipeline.mappings().stream().map(m -> m.source() + " -> " + m.target()).toList(),
        pipelines.position(pipeline.name()), verifier.last(pipeline.name()), pipeline.retirement(),
        new Capture(pipelines.instance(), pipelines.captureOwner(pipeline.name())),
        pipelines.keyRanges(pipeline.name()), verifier.running(pipeline.name()));
  }
}
