package dev.strangler.sync.pipeline;

import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TableRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A running pipeline: its validated mappings, counters and state. The state is written by the
 * capture thread, the applier threads and the admin API; reads see the latest value.
 */
public final class Pipeline {

  private final String name;
  private final SyncProperties.Pipeline config;
  private final List<TableMapping> mappings;
  private final Map<TableRef, TableMapping> bySource = new LinkedHashMap<>();
  private final Map<String, TableMapping> byTopic = new LinkedHashMap<>();
  private final PipelineStats stats;
  private final java.util.concurrent.atomic.AtomicReference<PipelineState> state =
      new java.util.concurrent.atomic.AtomicReference<>(PipelineState.STOPPED);
  private volatile String lastError;
  private volatile SourceSettings capture;
  private volatile String retirement;

  public Pipeline(String name, SyncProperties.Pipeline config, List<TableMapping> mappings, PipelineStats stats) {
    this.name = name;
    this.config = config;
    this.mappings = List.copyOf(mappings);
    this.stats = stats;
    for (TableMapping mapping : mappings) {
      bySource.put(mapping.source(), mapping);
      byTopic.put(mapping.topic(), mapping);
    }
  }

  public String name() { return name; }
  public SyncProperties.Pipeline config() { return config; }
  public List<TableMapping> mappings() { return mappings; }
  public PipelineStats stats() { return stats; }
  public PipelineState state() { return state.get(); }
  public String lastError() { return lastError; }
  /** The replication slot of the source's capture engine, shared with the source's other pipelines. */
  public String slotName() { return capture == null ? null : capture.slotName(); }
  /** The publication of the source's capture engine, shared with the source's other pipelines. */
  public String publicationName() { return capture == null ? null : capture.publicationName(); }
  /** The settings of the capture engine reading the pipeline's source. */
  public SourceSettings capture() { return capture; }
  /** What retiring the pipeline dropped on its source (null unless retired). */
  public String retirement() { return retirement; }
  public String deadLetterTopic() { return name + ".dlq"; }

  public TableMapping bySource(TableRef source) { return bySource.get(source); }
  public TableMapping byTopic(String topic) { return byTopic.get(topic); }

  /** @param settings the capture engine's settings of the pipeline's source */
  public void capturedWith(SourceSettings settings) {
    this.capture = settings;
  }

  /** @param what what retiring dropped (and kept) on the source */
  public void retired(String what) {
    this.retirement = what;
    this.state.set(PipelineState.RETIRED);
  }

  /** Sets the state whatever it was: for the lifecycle and the admin API (start, stop, pause, resume). */
  public void state(PipelineState state) {
    this.state.set(state);
  }

  /**
   * Moves to {@code next} unless the pipeline is paused, failed, stopped or retired, atomically: a
   * pause that lands meanwhile is never overwritten (capture and applier threads move the state).
   */
  public void advance(PipelineState next) {
    state.updateAndGet(current -> current == PipelineState.PAUSED || current == PipelineState.FAILED
        || current == PipelineState.RETIRED || current == PipelineState.STOPPED ? current : next);
  }

  /** Moves to {@code next} only from {@code expected}, atomically; whether it did. */
  public boolean moveFrom(PipelineState expected, PipelineState next) {
    return state.compareAndSet(expected, next);
  }

  public void failed(String error) {
    this.lastError = error;
    this.state.set(PipelineState.FAILED);
  }

  public void lastError(String error) {
    this.lastError = error;
  }
}
