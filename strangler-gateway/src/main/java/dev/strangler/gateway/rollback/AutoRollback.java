package dev.strangler.gateway.rollback;

import dev.strangler.gateway.routing.GatewayProperties;
import dev.strangler.gateway.routing.ManagedRoute;
import dev.strangler.gateway.routing.OutcomeWindow;
import dev.strangler.gateway.routing.RouteState;
import dev.strangler.gateway.switching.RouteSwitcher;
import dev.strangler.gateway.switching.SwitchFence;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Watches every route whose new service serves traffic (canary, extracted) and rolls it back by
 * itself when the new service breaks its budget in the window: error rate above the maximum or
 * p99 above the maximum, once the window holds the minimum number of requests. Judged every
 * {@value #CHECK_MILLIS} ms on its own thread, off the request path. The rollback goes through the
 * fence ({@link SwitchFence#autoRollback}), forced only when the fence cannot finish.
 */
public class AutoRollback implements SmartLifecycle {

  static final long CHECK_MILLIS = 200;
  private static final Logger log = LoggerFactory.getLogger(AutoRollback.class);

  private final RouteSwitcher switcher;
  private final SwitchFence fence;
  private ScheduledExecutorService executor;

  /**
   * @param switcher knows the routes
   * @param fence switches them back
   */
  public AutoRollback(RouteSwitcher switcher, SwitchFence fence) {
    this.switcher = switcher;
    this.fence = fence;
  }

  @Override
  public synchronized void start() {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "strangler-auto-rollback");
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return executor != null;
  }

  void check() {
    for (ManagedRoute route : switcher.table().routes()) {
      try {
        check(route);
      } catch (RuntimeException e) {
        log.warn("Auto-rollback check of route {} failed: {}", route.name(), e.toString());
      }
    }
  }

  private void check(ManagedRoute route) {
    GatewayProperties.AutoRollback budget = route.budget();
    RouteState state = route.state();
    if (!budget.enabled() || !state.mode().servesFromNew()) {
      return;
    }
    OutcomeWindow.Snapshot snapshot = route.window().snapshot(System.currentTimeMillis());
    if (snapshot.requests() < budget.minRequests()) {
      return;
    }
    String breach = null;
    if (snapshot.errorRate() > budget.maxErrorRate()) {
      breach = String.format(Locale.ROOT, "error rate %.3f > %.3f", snapshot.errorRate(), budget.maxErrorRate());
    } else if (budget.maxP99() != null && snapshot.p99Millis() > budget.maxP99().toMillis()) {
      breach = "p99 " + snapshot.p99Millis() + " ms > " + budget.maxP99().toMillis() + " ms";
    }
    if (breach == null) {
      return;
    }
    String reason = "auto-rollback: " + breach + " over " + snapshot.requests() + " requests in the last "
        + budget.window().toSeconds() + " s (" + state.mode().id() + ")";
    log.warn("Route {} broke its budget: {}", route.name(), reason);
    fence.autoRollback(route.name(), reason);
    route.window().reset();
  }
}
