package dev.strangler.gateway.routing;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One route's write fence: counts the route's requests in flight and, while a switch holds the
 * route, parks new requests (as Monos, no thread waits) until the switch opens the gate again.
 * A request counts itself in flight before it looks at the gate, so a switch that closed the
 * gate and then sees zero in flight knows no request can still reach the old side. Thread-safe.
 */
public final class RouteGate {

  /** A closed gate: what held requests wait on, and the signal that the last in-flight one ended. */
  private record Hold(Sinks.Empty<Void> released, Sinks.Empty<Void> drained) {}

  /**
   * The last fenced (or forced) switch of this route on this replica.
   *
   * @param at when it ended
   * @param holdMillis how long the route's requests were held (0.01 ms steps)
   * @param outcome {@code switched}, {@code abandoned} or {@code forced}
   * @param detail why it was abandoned, or null
   */
  public record LastSwitch(Instant at, double holdMillis, String outcome, String detail) {}

  private final int maxHeld;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicReference<Hold> hold = new AtomicReference<>();
  private volatile LastSwitch lastSwitch;

  RouteGate(int maxHeld) {
    this.maxHeld = maxHeld;
  }

  /**
   * Runs a request through the gate: at once when open, after the gate opens when closed.
   *
   * @param call the request (subscribed once it may go; it reads the route's state then)
   * @param overflow the answer when more than {@code max-held} requests are held already
   */
  public Mono<Void> enter(Supplier<Mono<Void>> call, Supplier<Mono<Void>> overflow) {
    return Mono.defer(() -> {
      inFlight.incrementAndGet();
      Hold h = hold.get();
      if (h == null) {
        Mono<Void> request;
        try {
          request = call.get();
        } catch (RuntimeException e) {
          leave();
          throw e;
        }
        return request.doFinally(signal -> leave());
      }
      // not in flight while parked: the switch must not wait for requests it holds itself
      leave();
      if (held.incrementAndGet() > maxHeld) {
        held.decrementAndGet();
        return overflow.get();
      }
      return h.released().asMono()
          .doFinally(signal -> held.decrementAndGet())
          .then(Mono.defer(() -> enter(call, overflow)));
    });
  }

  private void leave() {
    if (inFlight.decrementAndGet() == 0) {
      Hold h = hold.get();
      if (h != null) {
        h.drained().tryEmitEmpty();
      }
    }
  }

  /**
   * Closes the gate: new requests are held from now on.
   *
   * @return completes once no request of the route is in flight
   * @throws IllegalStateException when the gate is closed already (a switch is running)
   */
  public Mono<Void> close() {
    Hold h = new Hold(Sinks.empty(), Sinks.empty());
    if (!hold.compareAndSet(null, h)) {
      throw new IllegalStateException("a switch of this route is already holding it");
    }
    if (inFlight.get() == 0) {
      h.drained().tryEmitEmpty();
    }
    return h.drained().asMono();
  }

  /** Opens the gate: held requests go on, reading the route's state as it is now. */
  public void open() {
    Hold h = hold.getAndSet(null);
    if (h != null) {
      h.released().tryEmitEmpty();
    }
  }

  /** Whether a switch holds the route now. */
  public boolean closed() {
    return hold.get() != null;
  }

  /** Requests held now. */
  public int held() {
    return held.get();
  }

  /** Requests of this route in flight now. */
  public int inFlight() {
    return inFlight.get();
  }

  public LastSwitch lastSwitch() {
    return lastSwitch;
  }

  public void lastSwitch(LastSwitch last) {
    this.lastSwitch = last;
  }
}
