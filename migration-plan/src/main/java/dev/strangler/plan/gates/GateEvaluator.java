package dev.strangler.plan.gates;

import dev.strangler.plan.admin.PipelineStatus;
import dev.strangler.plan.admin.RouteStatus;
import dev.strangler.plan.admin.VerifyResult;
import dev.strangler.plan.plan.Gates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Checks a step's gates against what the gateway and cdc-sync report. A figure that cannot be
 * had (no traffic yet) does not fail a rate or latency gate; the {@code for} gate makes sure
 * the step lasted long enough for traffic to show.
 */
public final class GateEvaluator {

  private GateEvaluator() {}

  /**
   * @param gates the step's gates
   * @param stepStartedAt when the route entered the step; null if unknown
   * @param now the time to judge {@code for} by
   * @param route the route's figures
   * @param pipelines the route's pipelines
   * @param verify runs a data diff of the route's pipelines; called only for {@code diff: zero}
   */
  public static List<GateResult> evaluate(Gates gates, Instant stepStartedAt, Instant now, RouteStatus route,
                                          List<PipelineStatus> pipelines, Supplier<List<VerifyResult>> verify) {
    List<GateResult> results = new ArrayList<>();
    if (!gates.minDuration().isZero()) {
      if (stepStartedAt == null) {
        results.add(new GateResult("for", false, "the gateway does not say when the route entered this step"));
      } else {
        Duration elapsed = Duration.between(stepStartedAt, now);
        boolean holds = elapsed.compareTo(gates.minDuration()) >= 0;
        results.add(new GateResult("for", holds, "in step for " + seconds(elapsed) + " of " + seconds(gates.minDuration())
            + (holds ? "" : " (" + seconds(gates.minDuration().minus(elapsed)) + " to go)")));
      }
    }
    if (gates.maxErrorRate() != null) {
      results.add(rate("max-error-rate", route.newSideErrorRate(), gates.maxErrorRate(), route.newSideRequests(), "requests"));
    }
    if (gates.maxP99() != null) {
      Double p99 = route.newSideP99Millis();
      long limit = gates.maxP99().toMillis();
      results.add(p99 == null
          ? new GateResult("max-p99", true, "no requests on the new side yet (limit " + limit + " ms)")
          : new GateResult("max-p99", p99 <= limit, String.format(Locale.ROOT, "p99 %.1f ms %s %d ms%s", p99,
              p99 <= limit ? "<=" : ">", limit, p99 <= limit ? "" : String.format(Locale.ROOT, " (over by %.1f ms)", p99 - limit))));
    }
    if (gates.maxMismatchRate() != null) {
      results.add(rate("max-mismatch-rate", route.shadowMismatchRate(), gates.maxMismatchRate(), route.shadowCompared(), "comparisons"));
    }
    if (gates.maxLag() != null) {
      long limit = gates.maxLag().toMillis();
      for (PipelineStatus pipeline : pipelines) {
        String gate = "max-lag " + pipeline.name();
        if (pipeline.state() != null && !pipeline.state().equalsIgnoreCase("RUNNING")
            && !pipeline.state().equalsIgnoreCase("STREAMING")) {
          results.add(new GateResult(gate, false, "pipeline is " + pipeline.state()));
        } else if (pipeline.lagMillis() == null) {
          results.add(new GateResult(gate, true, "no change applied yet (limit " + limit + " ms)"));
        } else {
          double lag = pipeline.lagMillis();
          results.add(new GateResult(gate, lag <= limit, String.format(Locale.ROOT, "lag %.0f ms %s %d ms%s", lag,
              lag <= limit ? "<=" : ">", limit, lag <= limit ? "" : String.format(Locale.ROOT, " (over by %.0f ms)", lag - limit))));
        }
      }
    }
    if (gates.diffZero()) {
      for (VerifyResult result : verify.get()) {
        results.add(new GateResult("diff " + result.pipeline(), result.equal(), result.equal()
            ? "no difference (" + result.sourceRows() + " rows)"
            : result.differingKeys().size() + " differing keys (source " + result.sourceRows() + " rows, target "
                + result.targetRows() + "), e.g. " + result.differingKeys().stream().limit(5).toList()));
      }
    }
    return results;
  }

  private static GateResult rate(String gate, Double actual, double limit, long count, String what) {
    if (actual == null || count == 0) {
      return new GateResult(gate, true, "no " + what + " yet (limit " + percent(limit) + ")");
    }
    boolean holds = actual <= limit;
    return new GateResult(gate, holds, percent(actual) + (holds ? " <= " : " > ") + percent(limit) + " over " + count + " "
        + what + (holds ? "" : " (over by " + percent(actual - limit) + ")"));
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.2f%%", rate * 100);
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1fs", duration.toMillis() / 1000.0);
  }
}
