package dev.strangler.gateway.switching;

import dev.strangler.gateway.routing.ManagedRoute;
import dev.strangler.gateway.routing.Mode;
import dev.strangler.gateway.routing.RouteGate;
import dev.strangler.gateway.routing.SwitchFencing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The consistent switch. For a route with cdc-sync pipelines, when the switch changes which side
 * answers (legacy ⇄ shadow does not; see {@link #handsOver}): hold the route's new requests at
 * the gateway → wait until none of its requests is in flight → ask cdc-sync to confirm each
 * pipeline applied everything the source acknowledged (with the time left) → flip → let the held
 * requests go on, to the new side. Within {@code switch-timeout} or not at all: otherwise the
 * switch is abandoned, the held requests go to the old side and the audit says why. Never blocks
 * a thread while holding; control-store writes run on the bounded-elastic scheduler.
 */
public class SwitchFence {

  private static final Logger log = LoggerFactory.getLogger(SwitchFence.class);

  private final RouteSwitcher switcher;
  private final WebClient client;
  private final JsonMapper mapper;

  /**
   * @param switcher flips routes (store, audit, notify)
   * @param client calls cdc-sync's admin API
   * @param mapper reads cdc-sync's answers
   */
  public SwitchFence(RouteSwitcher switcher, WebClient client, JsonMapper mapper) {
    this.switcher = switcher;
    this.client = client;
    this.mapper = mapper;
  }

  /**
   * Switches a route's mode, fenced when it has pipelines.
   *
   * @param force skip the fence (audited as {@code forced})
   * @return the route after the switch; fails with {@link SwitchAbandonedException} when the fence
   *     gave up, {@link UnknownRouteException} or {@link IllegalArgumentException} on bad input
   */
  public Mono<ManagedRoute> switchRoute(String name, Mode mode, Double percent, String reason, String actor,
      boolean force) {
    ManagedRoute route = route(name);
    RouteSwitcher.Destination to = new RouteSwitcher.Destination(mode,
        mode == Mode.CANARY && percent != null ? percent : 0);
    return run(route, to, force, actor,
        outcome -> switcher.switchRoute(name, mode, percent, reason, actor, outcome));
  }

  /**
   * Rolls a route back (see {@link RouteSwitcher#rollback}), fenced when it has pipelines and
   * the rollback changes anything.
   *
   * @param force skip the fence (audited as {@code forced})
   */
  public Mono<ManagedRoute> rollback(String name, String reason, String actor, boolean force) {
    ManagedRoute route = route(name);
    Optional<RouteSwitcher.Destination> to = RouteSwitcher.rollbackTarget(route.state(), false);
    if (to.isEmpty()) {
      return blocking(() -> switcher.rollback(name, reason, actor, false));
    }
    return run(route, to.get(), force, actor,
        outcome -> switcher.rollback(name, reason, actor, false, outcome));
  }

  /**
   * An automatic rollback (the new service broke its budget; see {@link RouteSwitcher#rollback}):
   * fenced like any switch, so the writes the new side took are on legacy before legacy takes
   * writes again. When the fence cannot finish within the route's {@code switch-timeout} (a
   * reverse pipeline paused or behind, cdc-sync away) the rollback goes through anyway, audited
   * {@code forced} with why: staying on a broken service is worse than legacy seeing a write late.
   * Blocks the caller (the auto-rollback thread, never an event loop) for about that timeout.
   *
   * @return the route after the rollback, or as it is when another switch of it is under way
   *     (the next check tries again) or it is in legacy already
   */
  public ManagedRoute autoRollback(String name, String reason) {
    ManagedRoute route = route(name);
    Optional<RouteSwitcher.Destination> to = RouteSwitcher.rollbackTarget(route.state(), true);
    if (to.isEmpty()) {
      return route;
    }
    try {
      return run(route, to.get(), false, RouteSwitcher.AUTO_ACTOR,
          outcome -> switcher.rollback(name, reason, RouteSwitcher.AUTO_ACTOR, true, outcome))
          .block(route.fencing().switchTimeout().plusSeconds(30));
    } catch (SwitchAbandonedException abandoned) {
      if (abandoned.inProgress()) {
        return route;
      }
      log.warn("Route {}: the auto-rollback's fence did not finish, rolling back anyway: {}", name,
          abandoned.getMessage());
      return switcher.rollback(name, reason + "; forced, the fence did not finish: " + abandoned.getMessage(),
          RouteSwitcher.AUTO_ACTOR, true, RouteSwitcher.OUTCOME_FORCED);
    }
  }

  /**
   * The fence rule: a switch is fenced when it changes who answers the route's reads or who
   * takes its writes; otherwise it hands nothing over. So legacy/shadow → reads is fenced (the
   * new side must have applied every write acknowledged on legacy before it answers a read),
   * reads → legacy/shadow is fenced (reads move back; cheap, legacy has every write anyway),
   * reads → canary/extracted is fenced (writes move), and canary → reads is fenced (writes the new
   * side took must be on legacy first). legacy ⇄ shadow is not.
   */
  static boolean handsOver(Mode fromMode, double fromPercent, Mode toMode, double toPercent) {
    return fromMode.writeShare(fromPercent) != toMode.writeShare(toPercent)
        || fromMode.readShare(fromPercent) != toMode.readShare(toPercent);
  }

  private Mono<ManagedRoute> run(ManagedRoute route, RouteSwitcher.Destination to, boolean force, String actor,
      Function<String, ManagedRoute> flip) {
    SwitchFencing fencing = route.fencing();
    boolean takesOver = handsOver(route.state().mode(), route.state().percent(), to.mode(), to.percent());
    if (!fencing.fenced() || force || !takesOver) {
      String outcome = fencing.fenced() && force && takesOver ? RouteSwitcher.OUTCOME_FORCED : RouteSwitcher.OUTCOME_SWITCHED;
      return blocking(() -> flip.apply(outcome)).doOnSuccess(r ->
          route.gate().lastSwitch(new RouteGate.LastSwitch(Instant.now(), 0.0, outcome, null)));
    }
    Mono<Void> drained;
    try {
      drained = route.gate().close();
    } catch (IllegalStateException e) {
      return Mono.error(new SwitchAbandonedException("route '" + route.name()
          + "' is being switched already; try again when that switch is done", true));
    }
    long start = System.nanoTime();
    long deadline = start + fencing.switchTimeout().toNanos();
    Hold hold = new Hold(route, start);
    Queue<CatchUp> seen = new ConcurrentLinkedQueue<>();
    // the way back: before the new side takes writes, its reverse pipelines must carry a fence
    // from the new side's database to legacy (cdc-sync's catch-up is exactly that check)
    double writesBefore = route.state().newShare();
    double writesAfter = to.mode().writeShare(to.percent());
    boolean takesWrites = writesAfter > writesBefore;
    Mono<ManagedRoute> fenced = drained
        .then(Flux.fromIterable(fencing.waitedFor(writesBefore > 0 || writesAfter > 0))
            .flatMap(pipeline -> catchUp(fencing, pipeline, deadline))
            .doOnNext(seen::add)
            .collectList())
        .timeout(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
        .onErrorMap(TimeoutException.class, e -> new Behind("catch-up did not finish within "
            + fencing.switchTimeout().toMillis() + " ms" + (route.gate().inFlight() > 0
                ? " (" + route.gate().inFlight() + " requests still in flight)" : "") + describe(seen)))
        .flatMap(results -> {
          List<CatchUp> wayBack = results.stream()
              .filter(c -> !c.caughtUp() && fencing.reversePipelines().contains(c.pipeline())).toList();
          if (takesWrites && !wayBack.isEmpty()) {
            return Mono.error(new Behind("way back not proven: a reverse pipeline did not carry a fence from the "
                + "new side to legacy within " + fencing.switchTimeout().toMillis() + " ms" + describe(wayBack)));
          }
          List<CatchUp> failed = results.stream().filter(c -> !c.caughtUp() && !c.answered()).toList();
          if (!failed.isEmpty()) {
            // not a lag: no pipeline of that name, a paused one, cdc-sync down — say so
            return Mono.error(new Behind("cdc-sync could not run the catch-up" + describe(failed)));
          }
          List<CatchUp> behind = results.stream().filter(c -> !c.caughtUp()).toList();
          if (!behind.isEmpty()) {
            return Mono.error(new Behind("cdc-sync has not caught up" + describe(behind)));
          }
          // caught up: flip, then the held requests read the new state
          return blocking(() -> flip.apply(RouteSwitcher.OUTCOME_SWITCHED))
              .doOnSuccess(r -> hold.release(RouteSwitcher.OUTCOME_SWITCHED, null));
        })
        .onErrorResume(Behind.class, behind -> {
          String why = "switch abandoned after " + hold.release(RouteSwitcher.OUTCOME_ABANDONED, behind.getMessage())
              + " ms: " + behind.getMessage();
          return blocking(() -> {
            switcher.abandoned(route, to, why, actor);
            return route;
          }).then(Mono.error(new SwitchAbandonedException(why, false)));
        })
        // whatever else happens (a control-store failure), nothing stays held
        .doFinally(signal -> hold.release("failed", "switch failed: " + signal));
    // detached from the admin call: a client that hangs up does not cancel a switch half-way
    Sinks.One<ManagedRoute> result = Sinks.one();
    fenced.subscribe(result::tryEmitValue, result::tryEmitError);
    return result.asMono();
  }

  /** Opens the route's gate once and remembers the hold. */
  private static final class Hold {
    private final ManagedRoute route;
    private final long start;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile double millis;

    Hold(ManagedRoute route, long start) {
      this.route = route;
      this.start = start;
    }

    double release(String outcome, String detail) {
      if (released.compareAndSet(false, true)) {
        millis = Math.round((System.nanoTime() - start) / 10_000.0) / 100.0;
        route.gate().open();
        route.gate().lastSwitch(new RouteGate.LastSwitch(Instant.now(), millis, outcome, detail));
        log.debug("Route {}: requests held {} ms, switch {}", route.name(), millis, outcome);
      }
      return millis;
    }
  }

  /** The fence gave up (internal: becomes {@link SwitchAbandonedException} once audited). */
  private static final class Behind extends RuntimeException {
    Behind(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * One pipeline's answer.
   *
   * @param pipeline the pipeline
   * @param caughtUp whether it applied up to the source's position
   * @param answered whether cdc-sync ran the catch-up and answered with its figures (false: an
   *     error, e.g. 404 for a pipeline it does not have, 409 for a paused one, or no answer)
   * @param detail what was seen (positions, pending events, or the error)
   */
  record CatchUp(String pipeline, boolean caughtUp, boolean answered, String detail) {}

  private Mono<CatchUp> catchUp(SwitchFencing fencing, String pipeline, long deadline) {
    return Mono.defer(() -> {
      long remaining = (deadline - System.nanoTime()) / 1_000_000;
      // leave cdc-sync a little time to answer with its figures before our own timeout fires
      long wait = Math.max(1, remaining - Math.min(100, remaining / 5));
      return client.post().uri(fencing.adminUrl() + "/admin/pipelines/{name}/catch-up", pipeline)
          .header(HttpHeaders.AUTHORIZATION, "Bearer " + fencing.token())
          .contentType(MediaType.APPLICATION_JSON)
          .bodyValue("{\"timeoutMillis\":" + wait + "}")
          .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("")
              .map(body -> answer(pipeline, response.statusCode().value(), body)));
    }).onErrorResume(e -> !(e instanceof TimeoutException), e -> Mono.just(new CatchUp(pipeline, false, false,
        "cdc-sync unreachable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")")));
  }

  private CatchUp answer(String pipeline, int status, String body) {
    if (status != 200) {
      String detail = body;
      try {
        JsonNode problem = mapper.readTree(body);
        if (problem != null && problem.hasNonNull("detail")) {
          detail = problem.get("detail").asString();
        }
      } catch (RuntimeException e) {
        // not JSON: the body as it is
      }
      detail = detail.length() > 200 ? detail.substring(0, 200) + "..." : detail;
      return new CatchUp(pipeline, false, false, "cdc-sync answered " + status
          + (status == 404 ? " (no such pipeline: check strangler.gateway.routes.<route>.sync.pipelines)" : "")
          + (detail.isBlank() ? "" : ": " + detail));
    }
    try {
      JsonNode a = mapper.readTree(body);
      boolean caughtUp = a.path("caughtUp").asBoolean(false);
      return new CatchUp(pipeline, caughtUp, true, "caughtUp " + caughtUp + ", sourceLsn " + a.path("sourceLsn").asString("?")
          + ", capturedLsn " + a.path("capturedLsn").asString("?") + ", pendingEvents "
          + a.path("pendingEvents").asString("?") + ", waited " + a.path("waitedMillis").asString("?") + " ms");
    } catch (RuntimeException e) {
      return new CatchUp(pipeline, false, false, "cdc-sync's answer is not the expected JSON: " + e.getMessage());
    }
  }

  private static String describe(Iterable<CatchUp> results) {
    StringBuilder b = new StringBuilder();
    for (CatchUp c : results) {
      b.append("; ").append("pipeline ").append(c.pipeline()).append(": ").append(c.detail());
    }
    return b.toString();
  }

  /**
   * At start-up, asks cdc-sync for each fenced route's pipelines: one it does not have (a typo in
   * {@code strangler.gateway.routes.<route>.sync.pipelines}) would only show at the first fenced
   * switch. Warns, naming route, pipeline and property; cdc-sync unreachable is not an error here
   * (it may start later). Does not block start-up.
   */
  @org.springframework.context.event.EventListener(org.springframework.boot.context.event.ApplicationReadyEvent.class)
  public void checkPipelines() {
    for (ManagedRoute route : switcher.table().routes()) {
      SwitchFencing fencing = route.fencing();
      for (String pipeline : fencing.waitedFor(true)) {
        client.get().uri(fencing.adminUrl() + "/admin/pipelines/{name}", pipeline)
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + fencing.token())
            .exchangeToMono(response -> Mono.just(response.statusCode().value()))
            .timeout(Duration.ofSeconds(10))
            .subscribe(status -> {
              if (status == 404) {
                log.warn("Route {}: cdc-sync at {} has no pipeline '{}' (strangler.gateway.routes.{}.sync.pipelines): "
                    + "every fenced switch of the route will be refused until it has", route.name(), fencing.adminUrl(),
                    pipeline, route.name());
              } else if (status != 200) {
                log.warn("Route {}: cdc-sync at {} answered {} for pipeline '{}' (check strangler.gateway.routes.{}.sync.token)",
                    route.name(), fencing.adminUrl(), status, pipeline, route.name());
              }
            }, e -> log.info("Route {}: pipeline '{}' not checked, cdc-sync at {} not reachable yet ({})", route.name(),
                pipeline, fencing.adminUrl(), e.getMessage()));
      }
    }
  }

  private ManagedRoute route(String name) {
    ManagedRoute route = switcher.table().route(name);
    if (route == null) {
      throw new UnknownRouteException(name);
    }
    return route;
  }

  private static <T> Mono<T> blocking(Callable<T> call) {
    return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
  }
}
