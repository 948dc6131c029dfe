package dev.strangler.sync.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catch-up {@link Fence}s an engine passes: those a catch-up on this instance waits for
 * complete their future, the others are recorded in the control database for a catch-up waiting
 * on another instance. A fence counts once the batch holding it is acknowledged by Kafka: every
 * change committed before it is in Kafka then. {@link #seen} and {@link #acknowledged} run on the
 * engine's thread; {@link #expect} and {@link #forget} on any.
 */
final class CapturedFences {

  private static final Logger log = LoggerFactory.getLogger(CapturedFences.class);

  private final String datasource;
  private final ControlDatabase control;
  /** fences a catch-up here waits for, by id */
  private final Map<String, CompletableFuture<Void>> awaited = new ConcurrentHashMap<>();
  /** fences in the batch being sent (engine thread only) */
  private final List<String> inBatch = new ArrayList<>();

  CapturedFences(String datasource, ControlDatabase control) {
    this.datasource = datasource;
    this.control = control;
  }

  CompletableFuture<Void> expect(String id) {
    return awaited.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  void forget(String id) {
    awaited.remove(id);
  }

  /** A new batch starts. */
  void batchStarts() {
    inBatch.clear();
  }

  /** @param id a fence in the batch being sent */
  void seen(String id) {
    inBatch.add(id);
  }

  /**
   * The batch is in Kafka: its fences count, at WAL position {@code lsn}. A failure to record those
   * of other instances is logged (their catch-up times out); capture goes on.
   */
  void acknowledged(long lsn) {
    List<String> elsewhere = new ArrayList<>();
    for (String fence : inBatch) {
      CompletableFuture<Void> waiting = awaited.get(fence);
      if (waiting != null) {
        waiting.complete(null);
      } else {
        elsewhere.add(fence); // a catch-up asked of another instance waits for it
      }
    }
    if (elsewhere.isEmpty()) {
      return;
    }
    try {
      control.fencesCaptured(elsewhere, lsn);
    } catch (RuntimeException e) {
      log.warn("Capture of source {}: could not record fences {} for other instances: {}", datasource, elsewhere,
          e.getMessage());
    }
  }
}
