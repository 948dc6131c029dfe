package dev.strangler.gateway.routing;

import dev.strangler.gateway.shadow.ShadowPolicy;
import dev.strangler.gateway.shadow.ShadowedRoute;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.web.util.pattern.PathPattern;

/**
 * A named route: its validated config and its live state. The state is read on every request
 * (one volatile read) and replaced as a whole by a switch. Thread-safe.
 */
public final class ManagedRoute {

  private final int index;
  private final String name;
  private final List<PathPattern> patterns;
  private final URI legacyUri;
  private final URI extractedUri;
  private final boolean connectFallback;
  private final StickyKey stickyKey;
  private final RouteState initialState;
  private final ShadowPolicy shadow;
  private final ShadowedRoute shadowed;
  private final GatewayProperties.AutoRollback budget;
  private final OutcomeWindow window;
  private final AtomicReference<RouteState> state;
  private final LongAdder legacyRequests = new LongAdder();
  private final LongAdder newRequests = new LongAdder();
  private final LongAdder newErrors = new LongAdder();
  private final LongAdder fallbacks = new LongAdder();
  private final LongAdder testerRequests = new LongAdder();
  private final LongAdder testerRefused = new LongAdder();
  private final SwitchFencing fencing;
  private final RouteGate gate;
  private final Set<String> readMethods;

  ManagedRoute(int index, String name, List<PathPattern> patterns, URI legacyUri, URI extractedUri,
      boolean connectFallback, StickyKey stickyKey, RouteState initialState, ShadowPolicy shadow,
      GatewayProperties.AutoRollback budget, SwitchFencing fencing, Set<String> readMethods) {
    this.index = index;
    this.name = name;
    this.patterns = List.copyOf(patterns);
    this.legacyUri = legacyUri;
    this.extractedUri = extractedUri;
    this.connectFallback = connectFallback;
    this.stickyKey = stickyKey;
    this.initialState = initialState;
    this.shadow = shadow;
    this.shadowed = new ShadowedRoute(name, shadow, legacyUri, extractedUri);
    this.budget = budget;
    this.window = new OutcomeWindow(budget.window());
    this.state = new AtomicReference<>(initialState);
    this.fencing = fencing;
    this.gate = new RouteGate(fencing.maxHeld());
    this.readMethods = Set.copyOf(readMethods);
  }

  /** Whether reads mode sends a request of this method (upper case) to the new service. */
  public boolean readsFromNew(String method) {
    return readMethods.contains(method);
  }

  /** What a switch of this route waits for. */
  public SwitchFencing fencing() {
    return fencing;
  }

  /** Holds this route's requests during a fenced switch and counts those in flight. */
  public RouteGate gate() {
    return gate;
  }

  /** Position in the route table, 0-based; used to index per-route meters. */
  public int index() {
    return index;
  }

  public String name() {
    return name;
  }

  public List<String> paths() {
    return patterns.stream().map(PathPattern::getPatternString).toList();
  }

  public URI legacyUri() {
    return legacyUri;
  }

  public URI extractedUri() {
    return extractedUri;
  }

  public boolean connectFallback() {
    return connectFallback;
  }

  public StickyKey stickyKey() {
    return stickyKey;
  }

  /** The state from config (version 0). */
  public RouteState initialState() {
    return initialState;
  }

  public ShadowPolicy shadow() {
    return shadow;
  }

  /** What shadowing needs of this route. */
  ShadowedRoute shadowed() {
    return shadowed;
  }

  public GatewayProperties.AutoRollback budget() {
    return budget;
  }

  public OutcomeWindow window() {
    return window;
  }

  /** The live state. */
  public RouteState state() {
    return state.get();
  }

  /**
   * Makes {@code next} the live state unless a newer one is already live (switches may arrive
   * out of order from the control store's notifications and polls).
   *
   * @return the state that was replaced, or null when {@code next} was not newer
   */
  public RouteState apply(RouteState next) {
    while (true) {
      RouteState current = state.get();
      if (next.version() <= current.version()) {
        return null;
      }
      if (state.compareAndSet(current, next)) {
        if (current.mode() != next.mode() || current.percent() != next.percent()) {
          window.reset();
        }
        return current;
      }
    }
  }

  LongAdder legacyRequests() {
    return legacyRequests;
  }

  LongAdder newRequests() {
    return newRequests;
  }

  LongAdder newErrors() {
    return newErrors;
  }

  LongAdder fallbacks() {
    return fallbacks;
  }

  LongAdder testerRequests() {
    return testerRequests;
  }

  LongAdder testerRefused() {
    return testerRefused;
  }

  /**
   * Traffic since start-up on this replica.
   *
   * @param legacy requests served by the monolith
   * @param extracted requests served by the new service
   * @param extractedErrors of those, 5xx answers or failed calls
   * @param fallbacks requests sent to legacy because the new service refused the connection
   * @param testers requests a tester sent to a chosen side (not in legacy/extracted above, nor
   *     in the auto-rollback window)
   * @param testersRefused requests that named a side without a valid tester token (the side was ignored)
   */
  public record Traffic(long legacy, long extracted, long extractedErrors, long fallbacks, long testers,
                        long testersRefused) {}

  public Traffic traffic() {
    return new Traffic(legacyRequests.sum(), newRequests.sum(), newErrors.sum(), fallbacks.sum(),
        testerRequests.sum(), testerRefused.sum());
  }
}
