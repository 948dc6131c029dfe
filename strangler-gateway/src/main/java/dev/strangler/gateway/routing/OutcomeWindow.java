package dev.strangler.gateway.routing;

import java.time.Duration;

/**
 * A sliding window of the new service's outcomes for one route: counts, errors and a coarse
 * latency histogram per second. Recording is O(1); a snapshot sums the live seconds.
 * Thread-safe (one small lock per route; only requests served by the new service record).
 */
public final class OutcomeWindow {

  /** Upper bounds (ms) of the latency bins; the last bin is open-ended. */
  static final long[] BOUNDS_MS = {1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500,
      750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000, 60_000, Long.MAX_VALUE};

  private final int seconds;
  private final long[] slotSecond;
  private final long[] count;
  private final long[] errors;
  private final long[][] bins;

  /** @param window how far back outcomes count (rounded up to whole seconds) */
  public OutcomeWindow(Duration window) {
    this.seconds = (int) Math.max(1, (window.toMillis() + 999) / 1000);
    this.slotSecond = new long[seconds];
    this.count = new long[seconds];
    this.errors = new long[seconds];
    this.bins = new long[seconds][BOUNDS_MS.length];
  }

  /**
   * Records one outcome of the new service.
   *
   * @param nowMillis the wall clock, ms
   * @param latencyNanos time to the response headers (or to the failure)
   * @param error a 5xx answer, a timeout or a failed call
   */
  public synchronized void record(long nowMillis, long latencyNanos, boolean error) {
    long second = nowMillis / 1000;
    int i = (int) (second % seconds);
    if (slotSecond[i] != second) {
      slotSecond[i] = second;
      count[i] = 0;
      errors[i] = 0;
      java.util.Arrays.fill(bins[i], 0);
    }
    count[i]++;
    if (error) {
      errors[i]++;
    }
    long ms = latencyNanos / 1_000_000;
    int bin = 0;
    while (ms > BOUNDS_MS[bin]) {
      bin++;
    }
    bins[i][bin]++;
  }

  /** Forgets everything, e.g. after the route was switched. */
  public synchronized void reset() {
    java.util.Arrays.fill(slotSecond, 0);
    java.util.Arrays.fill(count, 0);
    java.util.Arrays.fill(errors, 0);
    for (long[] b : bins) {
      java.util.Arrays.fill(b, 0);
    }
  }

  /**
   * What the window holds now.
   *
   * @param requests outcomes in the window
   * @param errors failed outcomes in the window
   * @param p99Millis upper bound of the bin holding the 99th percentile latency; -1 when empty
   */
  public record Snapshot(long requests, long errors, long p99Millis) {
    public double errorRate() {
      return requests == 0 ? 0 : (double) errors / requests;
    }
  }

  public synchronized Snapshot snapshot(long nowMillis) {
    long now = nowMillis / 1000;
    long total = 0;
    long failed = 0;
    long[] sum = new long[BOUNDS_MS.length];
    for (int i = 0; i < seconds; i++) {
      if (slotSecond[i] > now - seconds && slotSecond[i] <= now && count[i] > 0) {
        total += count[i];
        failed += errors[i];
        for (int b = 0; b < sum.length; b++) {
          sum[b] += bins[i][b];
        }
      }
    }
    long p99 = -1;
    if (total > 0) {
      long rank = (long) Math.ceil(total * 0.99);
      long seen = 0;
      for (int b = 0; b < sum.length; b++) {
        seen += sum[b];
        if (seen >= rank) {
          p99 = BOUNDS_MS[b];
          break;
        }
      }
    }
    return new Snapshot(total, failed, p99);
  }
}
