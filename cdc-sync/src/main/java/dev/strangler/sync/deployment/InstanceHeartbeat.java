package dev.strangler.sync.deployment;

import dev.strangler.sync.capture.ControlDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tells the deployment what this instance does: every {@link #EVERY} it upserts its row in
 * {@code strangler_sync_instances} (control database) with its report (per source owner or standby,
 * per pipeline state, lag, position and rates), so {@code GET /admin/deployment} on any instance lists
 * every instance. An instance not seen for {@link #GONE_AFTER} is shown {@code gone}; one not seen for
 * {@link #FORGET_AFTER} is dropped; a clean stop removes its own row at once. Times are the control
 * database's, so instances' clocks need not agree.
 */
final class InstanceHeartbeat {

  private static final Logger log = LoggerFactory.getLogger(InstanceHeartbeat.class);
  static final Duration EVERY = Duration.ofSeconds(2);
  /** three heartbeats missed */
  static final Duration GONE_AFTER = EVERY.multipliedBy(3);
  static final Duration FORGET_AFTER = Duration.ofMinutes(10);

  private final ControlDatabase control;
  private final JsonMapper json;
  private final String instance;
  private final Supplier<Report> report;
  private final Instant startedAt = Instant.now();
  private ScheduledExecutorService ticker;

  /**
   * @param control where the heartbeats go
   * @param json writes the report
   * @param instance this instance's name (as in the capture leases)
   * @param report what this instance does now; called on the heartbeat's own thread
   */
  InstanceHeartbeat(ControlDatabase control, JsonMapper json, String instance, Supplier<Report> report) {
    this.control = control;
    this.json = json;
    this.instance = instance;
    this.report = report;
  }

  synchronized void start() {
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "instance-heartbeat");
      thread.setDaemon(true);
      return thread;
    });
    ticker.scheduleWithFixedDelay(this::beat, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the heartbeats and removes this instance's row (an unreachable control database: it turns gone). */
  synchronized void stop() {
    if (ticker == null) {
      return;
    }
    ticker.shutdownNow();
    ticker = null;
    try {
      control.instanceGone(instance);
    } catch (RuntimeException e) {
      log.debug("Instance {} not removed from the deployment ({}); it shows as gone", instance, e.getMessage());
    }
  }

  private void beat() {
    try {
      control.instanceSeen(instance, startedAt, json.writeValueAsString(report.get()), FORGET_AFTER);
    } catch (RuntimeException e) { // the next beat tries again; a long outage shows this instance as gone
      log.debug("Heartbeat of instance {} not recorded: {}", instance, e.getMessage());
    }
  }

  /** Every instance of the deployment, as their last heartbeats say. */
  static List<Instance> read(ControlDatabase control, JsonMapper json) {
    List<Instance> instances = new ArrayList<>();
    for (ControlDatabase.InstanceRow row : control.instances()) {
      Report report;
      try {
        report = json.readValue(row.report(), Report.class);
      } catch (RuntimeException e) { // written by another version: shown without its details
        report = new Report(List.of(), List.of());
      }
      instances.add(new Instance(row.instance(), row.seenMillisAgo() > GONE_AFTER.toMillis() ? "gone" : "live",
          row.startedAt(), row.seenAt(), row.seenMillisAgo(), report.sources(), report.pipelines()));
    }
    return instances;
  }

  /**
   * One instance of the deployment.
   *
   * @param instance its name
   * @param status {@code live}, or {@code gone} when not seen for three heartbeats (killed, paused, cut off)
   * @param startedAt when it started
   * @param lastSeen its last heartbeat (the control database's time)
   * @param lastSeenMillisAgo how long before this answer that was
   * @param sources per source, what it does there
   * @param pipelines per pipeline, how it applies (and captures) it
   */
  public record Instance(String instance, String status, Instant startedAt, Instant lastSeen, long lastSeenMillisAgo,
                         List<SourceRole> sources, List<PipelineReport> pipelines) {}

  /** What an instance reports in its heartbeat. */
  record Report(List<SourceRole> sources, List<PipelineReport> pipelines) {}

  /**
   * @param source the source datasource
   * @param slot its replication slot
   * @param role {@code owner} (it captures the source), {@code standby}, or {@code connect} (Kafka Connect captures it)
   */
  public record SourceRole(String source, String slot, String role) {}

  /**
   * @param name the pipeline
   * @param state its state on that instance
   * @param lagMillis source commit to applied, of the last change it applied (-1: none yet)
   * @param capturedLsn the WAL position it captured up to, where it owns the source; else null
   * @param appliedOffsets per partition assigned to it now ({@code <topic>-<partition>}), the offset after
   *     the last change it applied from there (null: none yet)
   * @param perSecond rows captured and applied per second over the last 5 s
   * @param fencedBatches apply transactions it rolled back because another consumer had claimed their partition
   */
  public record PipelineReport(String name, String state, long lagMillis, String capturedLsn,
                               Map<String, Long> appliedOffsets, Rates perSecond, long fencedBatches) {}

  /** @param captured events/s sent to Kafka  @param applied events/s written to the target */
  public record Rates(double captured, double applied) {}
}
