package dev.strangler.gateway.switching;

import dev.strangler.gateway.controlstore.ControlStore;
import dev.strangler.gateway.routing.ManagedRoute;
import dev.strangler.gateway.routing.Mode;
import dev.strangler.gateway.routing.RouteState;
import dev.strangler.gateway.routing.RouteTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches routes: persists the new state (with its audit row) in the control store, then makes
 * it live here; other replicas learn of it by notification. Every method blocks on the control
 * store: call from a worker thread.
 */
public class RouteSwitcher {

  private static final Logger log = LoggerFactory.getLogger(RouteSwitcher.class);
  public static final String AUTO_ACTOR = "auto-rollback";
  static final String OUTCOME_SWITCHED = "switched";
  static final String OUTCOME_FORCED = "forced";
  static final String OUTCOME_ABANDONED = "abandoned";

  private final RouteTable table;
  private final ControlStore store;
  private final MeterRegistry registry;
  private final List<Consumer<RouteSwitched>> listeners = new CopyOnWriteArrayList<>();

  /**
   * @param table the routes
   * @param store the control store
   * @param registry where switch counts go
   */
  public RouteSwitcher(RouteTable table, ControlStore store, MeterRegistry registry) {
    this.table = table;
    this.store = store;
    this.registry = registry;
  }

  /** Called whenever a route's live state changes on this replica (on the thread that changed it). */
  public void onSwitch(Consumer<RouteSwitched> listener) {
    listeners.add(listener);
  }

  /**
   * Sets a route's mode.
   *
   * @param name the route
   * @param mode the new mode
   * @param percent the canary percent, required for canary, ignored otherwise
   * @param reason why (audited)
   * @param actor who (audited)
   * @return the route, now in the new state
   * @throws UnknownRouteException when no route has that name
   * @throws IllegalArgumentException when the percent is missing or out of range
   */
  public ManagedRoute switchRoute(String name, Mode mode, Double percent, String reason, String actor) {
    return switchRoute(name, mode, percent, reason, actor, OUTCOME_SWITCHED);
  }

  /**
   * Sets a route's mode, audited with an outcome.
   *
   * @param outcome {@code switched} (after the write fence, or with none) or {@code forced}
   */
  ManagedRoute switchRoute(String name, Mode mode, Double percent, String reason, String actor, String outcome) {
    ManagedRoute route = route(name);
    if (mode == Mode.CANARY && (percent == null || percent.isNaN() || percent < 0 || percent > 100)) {
      throw new IllegalArgumentException("canary needs a percent between 0 and 100");
    }
    double p = mode == Mode.CANARY ? percent : 0;
    ControlStore.Switched switched = store.change(name, route.initialState(),
        current -> Optional.of(next(current, mode, p, reason, actor)), actor, false, outcome);
    return applied(route, switched, actor, false);
  }

  /**
   * Rolls a route back: to its previous mode when that is a step back (less traffic on the new
   * service), else to legacy. Automatic rollbacks only ever go to shadow or legacy. A route
   * already in legacy stays as it is and nothing is recorded.
   *
   * @param name the route
   * @param reason why (audited)
   * @param actor who (audited)
   * @param automatic whether the gateway decided it (auto-rollback)
   */
  public ManagedRoute rollback(String name, String reason, String actor, boolean automatic) {
    return rollback(name, reason, actor, automatic, OUTCOME_SWITCHED);
  }

  ManagedRoute rollback(String name, String reason, String actor, boolean automatic, String outcome) {
    ManagedRoute route = route(name);
    ControlStore.Switched switched = store.change(name, route.initialState(),
        current -> rollbackTarget(current, automatic)
            .map(to -> next(current, to.mode(), to.percent(), reason, actor)), actor, automatic, outcome);
    return applied(route, switched, actor, automatic);
  }

  /**
   * A mode and canary percent a route goes to.
   *
   * @param mode the mode
   * @param percent the canary percent (0 unless canary)
   */
  record Destination(Mode mode, double percent) {}

  /** Where a rollback from {@code current} goes; empty when the route is in legacy already. */
  static Optional<Destination> rollbackTarget(RouteState current, boolean automatic) {
    if (current.mode() == Mode.LEGACY) {
      return Optional.empty();
    }
    Mode to = Mode.LEGACY;
    double percent = 0;
    Mode previous = current.previousMode();
    if (previous != null) {
      boolean stepBack = rank(previous, current.previousPercent()) < rank(current.mode(), current.percent());
      if (automatic ? previous == Mode.SHADOW : stepBack) {
        to = previous;
        percent = previous == Mode.CANARY ? current.previousPercent() : 0;
      }
    }
    if (automatic && current.mode() == Mode.READS) {
      // reads broke their budget: back to comparing, the monolith answers everything again
      to = Mode.SHADOW;
      percent = 0;
    }
    return Optional.of(new Destination(to, percent));
  }

  /** Audits a switch the write fence abandoned; the route's state stays as it is. */
  void abandoned(ManagedRoute route, Destination to, String why, String actor) {
    Counter.builder("strangler.gateway.switches.abandoned").description("Fenced switches abandoned by this replica")
        .tag("route", route.name()).register(registry).increment();
    log.warn("Route {}: switch {} -> {} asked by {} abandoned: {}", route.name(), route.state().mode().id(),
        to.mode().id(), actor, why);
    store.abandoned(route.name(), route.state(), to.mode(), to.percent(), why, actor);
  }

  /** Orders states by the writes the new side takes; reads ranks above shadow and below canary by its ordinal. */
  private static double rank(Mode mode, double percent) {
    return mode.writeShare(percent) * 10 + mode.ordinal();
  }

  private static RouteState next(RouteState current, Mode mode, double percent, String reason, String actor) {
    return new RouteState(mode, percent, current.version() + 1, current.mode(), current.percent(),
        Instant.now(), actor, reason);
  }

  private ManagedRoute applied(ManagedRoute route, ControlStore.Switched switched, String actor, boolean automatic) {
    if (!switched.changed()) {
      return route;
    }
    RouteState after = switched.after();
    Counter.builder("strangler.gateway.switches").description("Route switches made by this replica")
        .tag("route", route.name()).tag("automatic", Boolean.toString(automatic))
        .register(registry).increment();
    log.info("Route {} switched {} -> {}{} by {}{}: {}", route.name(), switched.before().mode().id(),
        after.mode().id(), after.mode() == Mode.CANARY ? " " + after.percent() + "%" : "", actor,
        automatic ? " (automatic)" : "", after.reason());
    makeLive(route, after, true);
    return route;
  }

  /** Re-reads one route's stored state and makes it live if it is newer (after a notification). */
  public void refresh(String name) {
    ManagedRoute route = table.route(name);
    if (route != null) {
      store.load(name).ifPresent(state -> makeLive(route, state, false));
    }
  }

  /** Re-reads every stored state (at start-up and as the polling backstop). */
  public void refreshAll() {
    for (ControlStore.Stored stored : store.loadAll()) {
      ManagedRoute route = table.route(stored.route());
      if (route == null) {
        log.warn("The control store has a state for route '{}', which is not configured: ignored", stored.route());
      } else {
        makeLive(route, stored.state(), false);
      }
    }
  }

  private void makeLive(ManagedRoute route, RouteState state, boolean local) {
    RouteState before = route.apply(state);
    if (before != null) {
      if (!local) {
        log.info("Route {} is now {} (version {}, switched by {} on another replica or before a restart)",
            route.name(), state.mode().id(), state.version(), state.updatedBy());
      }
      RouteSwitched event = new RouteSwitched(route.name(), before, state, local);
      listeners.forEach(l -> l.accept(event));
    }
  }

  private ManagedRoute route(String name) {
    ManagedRoute route = table.route(name);
    if (route == null) {
      throw new UnknownRouteException(name);
    }
    return route;
  }

  /** The routes. */
  public RouteTable table() {
    return table;
  }

  /** The control store (audit reads). */
  public ControlStore store() {
    return store;
  }
}
