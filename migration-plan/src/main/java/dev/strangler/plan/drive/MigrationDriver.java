package dev.strangler.plan.drive;

import dev.strangler.plan.admin.AdminException;
import dev.strangler.plan.admin.GatewayAdmin;
import dev.strangler.plan.admin.PipelineStatus;
import dev.strangler.plan.admin.RouteStatus;
import dev.strangler.plan.admin.SyncAdmin;
import dev.strangler.plan.admin.VerifyResult;
import dev.strangler.plan.gates.GateEvaluator;
import dev.strangler.plan.gates.GateResult;
import dev.strangler.plan.plan.Gates;
import dev.strangler.plan.plan.Plan;
import dev.strangler.plan.plan.RoutePlan;
import dev.strangler.plan.plan.Step;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Moves routes through their plan: checks gates, switches the gateway, rolls back. The
 * commands of the CLI and the sandbox both drive a migration through this one class.
 */
public final class MigrationDriver {

  /** How often a verify is retried before a difference counts: changes in flight need a moment to land. */
  static final int DIFF_ATTEMPTS = 5;
  /** How often a fenced switch the gateway abandoned (cdc-sync lagging) is tried before giving up. */
  static final int SWITCH_ATTEMPTS = 3;

  private final GatewayAdmin gateway;
  private final SyncAdmin sync;
  private final PrintWriter out;
  private final Clock clock;
  private final Duration pollEvery;
  private final SwitchListener listener;

  public MigrationDriver(GatewayAdmin gateway, SyncAdmin sync, PrintWriter out, Clock clock, Duration pollEvery) {
    this(gateway, sync, out, clock, pollEvery, (route, status) -> { });
  }

  /**
   * @param listener told of every switch the driver makes (advance, autopilot step, rollback), right
   *     after the gateway confirmed it and before the next step's clock starts
   */
  public MigrationDriver(GatewayAdmin gateway, SyncAdmin sync, PrintWriter out, Clock clock, Duration pollEvery,
                         SwitchListener listener) {
    this.gateway = gateway;
    this.sync = sync;
    this.out = out;
    this.clock = clock;
    this.pollEvery = pollEvery;
    this.listener = listener;
  }

  /** Hears of each switch, e.g. to check that nothing acknowledged so far was lost by it. */
  @FunctionalInterface
  public interface SwitchListener {
    /**
     * @param route the route switched
     * @param now its state after the switch
     */
    void switched(String route, RouteStatus now);
  }

  /** What {@link #advance} did. */
  public enum Advance { SWITCHED, GATES_FAIL, ALREADY_LAST }

  /**
   * Moves a route to its next step if the current step's gates hold; changes nothing otherwise.
   */
  public Advance advance(RoutePlan route) {
    RouteStatus status = gateway.route(route.name());
    int at = position(route, status);
    if (at >= 0) {
      List<GateResult> results = check(route, route.steps().get(at).gates(), status.since(), status, true);
      results.forEach(result -> out.println("  " + result));
      if (results.stream().anyMatch(result -> !result.holds())) {
        out.println(route.name() + ": stays at " + describe(status) + ": a gate of step '"
            + route.steps().get(at).describe() + "' does not hold");
        return Advance.GATES_FAIL;
      }
    }
    if (at == route.steps().size() - 1) {
      out.println(route.name() + ": already at its last step (" + describe(status) + ") and its gates hold");
      return Advance.ALREADY_LAST;
    }
    Step next = route.steps().get(at + 1);
    RouteStatus switched = fencedSwitch(route.name(), next.kind().mode(), next.percent(),
        "strangler advance: " + (at < 0 ? "start of the plan" : "gates of " + route.steps().get(at).describe() + " held"));
    out.println(route.name() + ": " + describe(status) + " -> " + describe(switched));
    listener.switched(route.name(), switched);
    return Advance.SWITCHED;
  }

  /** Switches a route back to legacy at once, whatever its gates say. */
  public RouteStatus rollback(String route, String reason) {
    return rollback(route, reason, false);
  }

  /**
   * Switches a route back to legacy at once, whatever its gates say.
   *
   * @param force skip the gateway's write fence (audited as forced), for when cdc-sync cannot catch up
   */
  public RouteStatus rollback(String route, String reason, boolean force) {
    RouteStatus before = gateway.route(route);
    RouteStatus after = force ? gateway.switchTo(route, "legacy", 0, reason, true)
        : fencedSwitch(route, "legacy", 0, reason);
    out.println(route + ": rolled back " + describe(before) + " -> " + describe(after) + " (" + reason + ")");
    listener.switched(route, after);
    return after;
  }

  /** A data diff of each of the route's pipelines. */
  public List<VerifyResult> verify(RoutePlan route) {
    List<VerifyResult> results = new ArrayList<>();
    for (String pipeline : route.pipelines()) {
      results.add(sync.verify(pipeline));
    }
    return results;
  }

  /**
   * The autopilot: takes each route through its remaining steps, holding each step for its
   * {@code for} while watching its gates; on a gate that breaks, rolls the route back to legacy
   * and stops.
   *
   * @return true if every route reached its last step with its gates holding
   */
  public boolean run(Plan plan) {
    for (RoutePlan route : plan.routes()) {
      out.println("== " + route.name() + " (" + route.steps().size() + " steps)");
      RouteStatus status = gateway.route(route.name());
      int at = position(route, status);
      Instant stepStart = status.since() != null ? status.since() : clock.instant();
      while (true) {
        if (at < 0) {
          at = 0;
          status = switchTo(route, 0, "start of the plan");
          stepStart = clock.instant();
        }
        Step step = route.steps().get(at);
        String broken = watch(route, step, stepStart);
        if (broken != null) {
          rollback(route.name(), "strangler run: step " + step.describe() + ": " + broken);
          out.println("== " + route.name() + ": ROLLED BACK; the autopilot stops here");
          return false;
        }
        if (at == route.steps().size() - 1) {
          out.println("== " + route.name() + ": done, " + step.describe() + " and its gates hold");
          break;
        }
        at++;
        status = switchTo(route, at, "gates of " + step.describe() + " held");
        stepStart = clock.instant();
      }
    }
    return true;
  }

  private RouteStatus switchTo(RoutePlan route, int index, String why) {
    Step step = route.steps().get(index);
    RouteStatus status = fencedSwitch(route.name(), step.kind().mode(), step.percent(), "strangler run: " + why);
    out.println(route.name() + ": -> " + describe(status) + " (step " + (index + 1) + "/" + route.steps().size() + ")");
    listener.switched(route.name(), status);
    return status;
  }

  /**
   * A switch through the gateway's write fence. When the gateway abandons it (cdc-sync did not
   * catch up in time: nothing changed), it is tried again after a pause, up to
   * {@link #SWITCH_ATTEMPTS} times; then the last refusal goes to the caller.
   */
  private RouteStatus fencedSwitch(String route, String mode, int percent, String reason) {
    for (int attempt = 1; ; attempt++) {
      try {
        return gateway.switchTo(route, mode, percent, reason);
      } catch (AdminException e) {
        if (e.kind() != AdminException.Kind.ABANDONED || attempt == SWITCH_ATTEMPTS) {
          throw e;
        }
        out.println(route + ": switch to " + mode + " abandoned by the gateway (" + e.getMessage()
            + "); nothing changed, trying again in 2 s (" + attempt + "/" + SWITCH_ATTEMPTS + ")");
        sleep(Duration.ofSeconds(2));
      }
    }
  }

  /** Holds a step for its duration while its gates hold; returns what broke, or null. */
  private String watch(RoutePlan route, Step step, Instant stepStart) {
    Gates gates = step.gates();
    Instant until = stepStart.plus(gates.minDuration());
    Instant lastPrint = Instant.MIN;
    while (true) {
      RouteStatus status = gateway.route(route.name());
      if (!status.mode().equals(step.kind().mode()) || (step.kind() == Step.Kind.CANARY && status.percent() != step.percent())) {
        return "the route was switched to " + describe(status) + " behind the autopilot's back (automatic rollback?)";
      }
      boolean last = !clock.instant().isBefore(until);
      List<GateResult> results = check(route, gates, stepStart, status, last);
      List<GateResult> failing = results.stream().filter(result -> !result.holds() && !result.gate().equals("for")).toList();
      if (!failing.isEmpty()) {
        return failing.stream().map(result -> result.gate() + " " + result.detail()).reduce((a, b) -> a + "; " + b).orElseThrow();
      }
      if (last) {
        results.forEach(result -> out.println("  " + result));
        return null;
      }
      if (Duration.between(lastPrint, clock.instant()).compareTo(Duration.ofSeconds(5)) >= 0) {
        lastPrint = clock.instant();
        out.println(String.format(Locale.ROOT, "  %s %s: %ds left; %s", route.name(), step.describe(),
            Duration.between(clock.instant(), until).toSeconds(),
            String.join(", ", results.stream().filter(result -> !result.gate().equals("for")).map(GateResult::detail).toList())));
      }
      sleep(pollEvery);
    }
  }

  private List<GateResult> check(RoutePlan route, Gates gates, Instant since, RouteStatus status, boolean withDiff) {
    List<PipelineStatus> pipelines = gates.maxLag() == null ? List.of()
        : route.pipelines().stream().map(sync::pipeline).toList();
    Gates judged = withDiff ? gates : new Gates(gates.minDuration(), gates.maxErrorRate(), gates.maxP99(),
        gates.maxMismatchRate(), gates.maxLag(), false);
    return GateEvaluator.evaluate(judged, since, clock.instant(), status, pipelines, () -> settledVerify(route));
  }

  /**
   * The data diff of a route under live traffic. Rows in flight (committed on one side, not yet
   * applied on the other) differ in one verify and not in the next, so a key counts only if it
   * differs in every verify of a series of up to {@link #DIFF_ATTEMPTS}, one second apart; the
   * series stops as soon as no key has differed throughout. A lost or wrongly copied row differs
   * every time and fails the gate. The first verify is a whole one; the later ones re-verify only
   * the keys the previous one named (far cheaper), except for a pipeline whose list was capped
   * ({@link #MAX_RECHECKED_KEYS}) or empty with unequal counts, which gets a whole verify again.
   */
  private List<VerifyResult> settledVerify(RoutePlan route) {
    PersistentDifferences differences = new PersistentDifferences();
    List<VerifyResult> results = verify(route);
    for (int attempt = 1; differences.add(results) && attempt < DIFF_ATTEMPTS; attempt++) {
      sleep(Duration.ofSeconds(1));
      results = results.stream().map(this::reverify).toList();
    }
    return differences.judge(results);
  }

  /** cdc-sync caps a verify's key list at 1 000: a capped list may hide more keys. */
  static final int MAX_RECHECKED_KEYS = 1_000;

  private VerifyResult reverify(VerifyResult previous) {
    if (previous.equal()) {
      return previous;
    }
    List<String> keys = previous.differingKeys();
    return keys.isEmpty() || keys.size() >= MAX_RECHECKED_KEYS ? sync.verify(previous.pipeline())
        : sync.verifyKeys(previous.pipeline(), keys);
  }

  /** The index of the step the route is at, -1 if it has not started (legacy). */
  static int position(RoutePlan route, RouteStatus status) {
    Step.Kind mode;
    try {
      mode = Step.Kind.valueOf(status.mode().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      return -1;
    }
    int exact = route.stepIndexOf(mode, status.percent());
    if (exact >= 0) {
      return exact;
    }
    // a mode set by hand that the plan does not list: count from the last step before it
    int at = -1;
    for (int i = 0; i < route.steps().size(); i++) {
      Step step = route.steps().get(i);
      if (step.kind().ordinal() < mode.ordinal()
          || (step.kind() == mode && step.kind() == Step.Kind.CANARY && step.percent() <= status.percent())) {
        at = i;
      }
    }
    return at;
  }

  static String describe(RouteStatus status) {
    return "canary".equals(status.mode()) ? "canary " + status.percent() + "%" : status.mode();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(AdminException.Kind.UNREACHABLE, "interrupted");
    }
  }
}
