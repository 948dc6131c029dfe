package dev.strangler.plan.plan;

import java.time.Duration;

/**
 * What must hold during a step before the route moves on. Null means "not checked".
 *
 * @param minDuration how long the step lasts at least ({@code for})
 * @param maxErrorRate highest share of 5xx answers from the new side ({@code max-error-rate}, 0–1)
 * @param maxP99 highest 99th-percentile latency of the new side ({@code max-p99})
 * @param maxMismatchRate highest share of shadow comparisons that differ ({@code max-mismatch-rate}, 0–1)
 * @param maxLag highest replication lag of the route's pipelines ({@code max-lag})
 * @param diffZero whether a verify of the route's pipelines must find no difference ({@code diff: zero})
 */
public record Gates(Duration minDuration, Double maxErrorRate, Duration maxP99, Double maxMismatchRate,
                    Duration maxLag, boolean diffZero) {

  public static final Gates NONE = new Gates(Duration.ZERO, null, null, null, null, false);
}
