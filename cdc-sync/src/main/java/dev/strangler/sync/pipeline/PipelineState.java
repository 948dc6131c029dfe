package dev.strangler.sync.pipeline;

/** Where a pipeline is in its life. */
public enum PipelineState {
  /** engine and applier starting */
  STARTING,
  /** copying the existing rows */
  SNAPSHOT,
  /** following the WAL */
  STREAMING,
  /** Kafka refused the captured changes, or the source went away; capture waits without losing its WAL position */
  CAPTURE_BLOCKED,
  /** another instance captures the source (it holds the source's lease); this one applies and stands by */
  STANDBY,
  /** applying stopped by the admin API; capture goes on into Kafka */
  PAUSED,
  /** stopped after an error (see the pipeline's last error) */
  FAILED,
  /** not running (disabled or shut down) */
  STOPPED,
  /** slot and publication dropped */
  RETIRED
}
