package dev.strangler.sync.capture;

import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each source's capture on one instance at a time, when several cdc-sync instances share a
 * control database: the holder of the source's lease ({@code strangler_sync_leases}, one row per
 * slot) runs the engine and renews the lease; the others stand by and take an expired lease
 * over. A take is a new epoch; the engine writes offsets only under its own epoch (see
 * {@link CaptureEngine#debeziumProperties}) and sends nothing while its lease is not surely held,
 * so an owner that was paused or cut off moves nothing after another one took over. The new
 * owner ends the slot's old reader first (a hung owner's connection would hold the slot). Times
 * are the control database's; one instance alone takes its lease at start, as before.
 */
public final class CaptureLeases {

  private static final Logger log = LoggerFactory.getLogger(CaptureLeases.class);

  private final ControlDatabase control;
  private final SyncProperties.Lease config;
  private final String instance;
  private final List<CaptureEngine> engines;
  /** engine → epoch of the lease this instance holds for its source */
  private final Map<CaptureEngine, Long> held = new ConcurrentHashMap<>();
  private final Map<CaptureEngine, Long> renewedAt = new ConcurrentHashMap<>();
  private final Map<CaptureEngine, String> standingBy = new ConcurrentHashMap<>();
  private volatile ScheduledExecutorService ticker;
  private volatile boolean stopping;

  /**
   * @param control where the leases are
   * @param config durations
   * @param instance this instance's name in the leases
   * @param engines one per source
   */
  public CaptureLeases(ControlDatabase control, SyncProperties.Lease config, String instance, List<CaptureEngine> engines) {
    this.control = control;
    this.config = config;
    this.instance = instance;
    this.engines = List.copyOf(engines);
  }

  public String instance() {
    return instance;
  }

  /** Whether this instance holds the lease of the engine's source (so it may run the engine). */
  public boolean holds(CaptureEngine engine) {
    return held.containsKey(engine);
  }

  /** The instance capturing the engine's source now: this one, another one, or null when none does. */
  public String owner(CaptureEngine engine) {
    return held.containsKey(engine) ? instance : control.leaseOwner(engine.settings().slotName());
  }

  /** Takes the free leases and starts their engines (a failure to start fails start-up), then keeps them. */
  public synchronized void start() {
    stopping = false;
    for (CaptureEngine engine : engines) {
      if (take(engine)) {
        engine.start();
      }
    }
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "capture-leases");
      thread.setDaemon(true);
      return thread;
    });
    long period = Math.min(config.renewEvery().toMillis(), config.checkEvery().toMillis());
    ticker.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the engines this instance runs and ends their leases, so a standby takes over at once.
   * Waits neither for a tick (it may be stuck on an unreachable control database) nor more than
   * 2 s for the release: an unreleased lease expires on its own.
   */
  public void stop() {
    stopping = true;
    ScheduledExecutorService running = ticker;
    if (running != null) {
      running.shutdownNow();
    }
    Map<CaptureEngine, Long> leases = new java.util.HashMap<>(held);
    held.clear();
    leases.keySet().forEach(CaptureEngine::stop);
    Thread release = new Thread(() -> leases.forEach((engine, epoch) -> {
      try {
        control.releaseLease(engine.settings().slotName(), instance, epoch);
      } catch (RuntimeException e) {
        log.warn("Capture of source {}: lease not released ({}); it expires in {}", engine.settings().datasource(),
            e.getMessage(), config.duration());
      }
    }), "capture-lease-release");
    release.setDaemon(true);
    release.start();
    try {
      release.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One tick at a time (the ticker's single thread); {@link #stop} does not wait for it. */
  private void tick() {
    for (CaptureEngine engine : engines) {
      try {
        Long epoch = held.get(engine);
        if (epoch == null) {
          if (take(engine)) {
            start(engine);
          }
        } else if (System.nanoTime() - renewedAt.get(engine) >= config.renewEvery().toNanos()) {
          renew(engine, epoch);
        }
      } catch (RuntimeException e) {
        // the control database is away: the lease runs out on its own, and the engine sends
        // nothing once it is not surely held
        log.warn("Capture lease of source {}: {}", engine.settings().datasource(), e.getMessage());
      }
    }
  }

  private void renew(CaptureEngine engine, long epoch) {
    long at = System.nanoTime();
    if (control.renewLease(engine.settings().slotName(), instance, epoch, config.duration())) {
      renewedAt.put(engine, at);
      engine.leaseRenewed(at + config.duration().toNanos());
      return;
    }
    held.remove(engine);
    log.warn("Capture of source {}: instance {} lost the lease of slot {} (epoch {}: expired, or another instance took "
        + "it over); its engine stops", engine.settings().datasource(), instance, engine.settings().slotName(), epoch);
    engine.stop();
    standBy(engine, control.leaseOwner(engine.settings().slotName()));
  }

  /** @return whether this instance now holds the lease (the engine may start) */
  private boolean take(CaptureEngine engine) {
    String slot = engine.settings().slotName();
    long at = System.nanoTime();
    long epoch = control.acquireLease(slot, instance, config.duration());
    if (epoch < 0) {
      standBy(engine, control.leaseOwner(slot));
      return false;
    }
    held.put(engine, epoch);
    renewedAt.put(engine, at);
    if (stopping) { // stop() came meanwhile and did not see it: give it back
      held.remove(engine);
      control.releaseLease(slot, instance, epoch);
      return false;
    }
    standingBy.remove(engine);
    engine.leased(instance, epoch, at + config.duration().toNanos());
    log.info("Capture of source {}: instance {} holds the lease of slot {} (epoch {})", engine.settings().datasource(),
        instance, slot, epoch);
    engine.endOtherReader();
    return true;
  }

  /** Starts a taken-over engine; if it cannot start, the lease goes back so another instance may try. */
  private void start(CaptureEngine engine) {
    try {
      engine.start();
    } catch (RuntimeException e) {
      Long epoch = held.remove(engine);
      log.warn("Capture of source {} could not start on instance {} ({}); lease released", engine.settings().datasource(),
          instance, e.getMessage());
      if (epoch != null) {
        control.releaseLease(engine.settings().slotName(), instance, epoch);
      }
    }
  }

  private void standBy(CaptureEngine engine, String owner) {
    String shown = owner == null ? "none" : owner;
    if (!shown.equals(standingBy.put(engine, shown))) {
      log.info("Capture of source {} runs on instance {}; instance {} stands by (lease of slot {})",
          engine.settings().datasource(), shown, instance, engine.settings().slotName());
    }
    for (Pipeline pipeline : engine.pipelines()) {
      pipeline.advance(PipelineState.STANDBY);
    }
  }
}
