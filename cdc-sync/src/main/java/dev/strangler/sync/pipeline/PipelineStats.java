package dev.strangler.sync.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters and lag of one pipeline, exported as Micrometer meters tagged {@code pipeline}:
 * {@code strangler.sync.events.captured}, {@code .events.applied}, {@code .echoes.dropped},
 * {@code .dead.letters}, {@code .conflicts}, {@code .apply.fenced}, {@code .lag} (timer, source commit → applied,
 * p50/p99 published), {@code .lag.last} (gauge, ms), {@code .snapshot.rows.done} and
 * {@code .snapshot.rows.total} (gauges). Thread-safe.
 */
public final class PipelineStats {

  private final Counter captured;
  private final Counter applied;
  private final Counter echoes;
  private final Counter deadLetters;
  private final Counter conflicts;
  private final Counter fenced;
  private final Timer lag;
  private final AtomicLong lastLagMillis = new AtomicLong(-1);
  private final AtomicLong snapshotDone = new AtomicLong();
  private final AtomicLong snapshotTotal = new AtomicLong(-1);
  private volatile double capturedPerSecond;
  private volatile double appliedPerSecond;
  private long sampledAt = System.nanoTime();
  private long sampledCaptured;
  private long sampledApplied;

  public PipelineStats(String pipeline, MeterRegistry registry) {
    captured = Counter.builder("strangler.sync.events.captured").tag("pipeline", pipeline)
        .description("change events sent to Kafka").register(registry);
    applied = Counter.builder("strangler.sync.events.applied").tag("pipeline", pipeline)
        .description("change events written to the target").register(registry);
    echoes = Counter.builder("strangler.sync.echoes.dropped").tag("pipeline", pipeline)
        .description("captured changes dropped because cdc-sync itself applied them from this pipeline's target")
        .register(registry);
    deadLetters = Counter.builder("strangler.sync.dead.letters").tag("pipeline", pipeline)
        .description("changes that could not be applied, sent to <pipeline>.dlq").register(registry);
    conflicts = Counter.builder("strangler.sync.conflicts").tag("pipeline", pipeline)
        .description("rows changed on both sides concurrently").register(registry);
    fenced = Counter.builder("strangler.sync.apply.fenced").tag("pipeline", pipeline)
        .description("apply transactions rolled back because another consumer claimed their partition since")
        .register(registry);
    lag = Timer.builder("strangler.sync.lag").tag("pipeline", pipeline)
        .description("source commit to applied in the target").publishPercentiles(0.5, 0.99)
        .distributionStatisticExpiry(Duration.ofMinutes(2)).register(registry);
    Gauge.builder("strangler.sync.lag.last", lastLagMillis, AtomicLong::get).tag("pipeline", pipeline)
        .baseUnit("milliseconds").register(registry);
    Gauge.builder("strangler.sync.events.captured.rate", this, PipelineStats::capturedPerSecond)
        .tag("pipeline", pipeline).description("events/s captured over the last sampling interval").register(registry);
    Gauge.builder("strangler.sync.events.applied.rate", this, PipelineStats::appliedPerSecond)
        .tag("pipeline", pipeline).description("events/s applied over the last sampling interval").register(registry);
    Gauge.builder("strangler.sync.snapshot.rows.done", snapshotDone, AtomicLong::get).tag("pipeline", pipeline)
        .register(registry);
    Gauge.builder("strangler.sync.snapshot.rows.total", snapshotTotal, AtomicLong::get).tag("pipeline", pipeline)
        .register(registry);
  }

  public void captured(int n) { captured.increment(n); }
  public void applied(int n) { applied.increment(n); }
  public void echoDropped() { echoes.increment(); }
  public void deadLettered() { deadLetters.increment(); }
  public void conflict() { conflicts.increment(); }
  public void applyFenced() { fenced.increment(); }

  public void lag(long millis) {
    long value = Math.max(0, millis);
    lag.record(Duration.ofMillis(value));
    lastLagMillis.set(value);
  }

  /** Updates the events/s figures; called every few seconds by one thread. */
  public synchronized void sample() {
    long now = System.nanoTime();
    double seconds = (now - sampledAt) / 1e9;
    if (seconds <= 0) {
      return;
    }
    long capturedNow = capturedCount();
    long appliedNow = appliedCount();
    capturedPerSecond = (capturedNow - sampledCaptured) / seconds;
    appliedPerSecond = (appliedNow - sampledApplied) / seconds;
    sampledAt = now;
    sampledCaptured = capturedNow;
    sampledApplied = appliedNow;
  }

  public double capturedPerSecond() { return capturedPerSecond; }
  public double appliedPerSecond() { return appliedPerSecond; }

  public void snapshotTotal(long rows) { snapshotTotal.set(rows); }
  public long snapshotRow() { return snapshotDone.incrementAndGet(); }
  public long snapshotRows(long rows) { return snapshotDone.addAndGet(rows); }

  public long capturedCount() { return (long) captured.count(); }
  public long appliedCount() { return (long) applied.count(); }
  public long echoesDropped() { return (long) echoes.count(); }
  public long deadLetterCount() { return (long) deadLetters.count(); }
  public long conflictCount() { return (long) conflicts.count(); }
  public long fencedCount() { return (long) fenced.count(); }
  public long lastLagMillis() { return lastLagMillis.get(); }
  public long snapshotRowsDone() { return snapshotDone.get(); }
  public long snapshotRowsTotal() { return snapshotTotal.get(); }

  /** Lag percentile in ms (0.5 or 0.99), or -1 when nothing was applied yet. */
  public double lagPercentileMillis(double percentile) {
    for (ValueAtPercentile value : lag.takeSnapshot().percentileValues()) {
      if (value.percentile() == percentile) {
        return value.value(java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }
    return -1;
  }
}
