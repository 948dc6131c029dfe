package dev.strangler.sync.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends a batch of captured changes and returns only once Kafka acknowledged every one of them, so
 * the engine marks nothing processed that Kafka does not have. The producer retries on its own
 * within {@code delivery.timeout.ms}; what it gave up on is sent again, in order from the first
 * failure, after a back-off (0.5 s doubling to 10 s) that a stop of the engine cuts short.
 */
final class ChangeSender {

  private static final Logger log = LoggerFactory.getLogger(ChangeSender.class);
  private static final long FIRST_BACKOFF_MILLIS = 500;
  private static final long MAX_BACKOFF_MILLIS = 10_000;
  /** longer than the producer's delivery timeout: its own verdict comes first */
  private static final long ACK_TIMEOUT_SECONDS = 60;

  private final KafkaTemplate<String, String> kafka;
  private final String datasource;
  private final EngineWakeup wakeup;

  /**
   * @param kafka the producer (acks=all)
   * @param datasource the source, for the logs
   * @param wakeup woken when the engine stops
   */
  ChangeSender(KafkaTemplate<String, String> kafka, String datasource, EngineWakeup wakeup) {
    this.kafka = kafka;
    this.datasource = datasource;
    this.wakeup = wakeup;
  }

  /**
   * @param running false once the engine stops: then the changes not acknowledged are given up (not marked processed)
   * @param blocked told Kafka's error each time some changes were not taken
   * @throws InterruptedException when the engine stops before Kafka took every change
   */
  void send(List<ChangeRouter.Outgoing> messages, BooleanSupplier running, Consumer<String> blocked)
      throws InterruptedException {
    List<ChangeRouter.Outgoing> pending = messages;
    long backoffMillis = FIRST_BACKOFF_MILLIS;
    while (!pending.isEmpty()) {
      List<CompletableFuture<?>> futures = new ArrayList<>(pending.size());
      RuntimeException unreachable = null;
      for (ChangeRouter.Outgoing message : pending) {
        if (unreachable != null) {
          futures.add(CompletableFuture.failedFuture(unreachable));
          continue;
        }
        try {
          futures.add(kafka.send(message.topic(), message.key(), message.value()));
        } catch (RuntimeException e) { // no metadata within max.block.ms: the broker is unreachable
          unreachable = e;
          futures.add(CompletableFuture.failedFuture(e));
        }
      }
      int firstFailed = -1;
      String error = null;
      for (int i = 0; i < futures.size(); i++) {
        try {
          futures.get(i).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          firstFailed = firstFailed < 0 ? i : firstFailed;
          error = e.getCause() == null ? e.toString() : e.getCause().toString();
        }
      }
      // resend everything from the first failure on, in order: a later change of a row must not
      // reach Kafka before an earlier one; duplicates are harmless to the idempotent appliers
      List<ChangeRouter.Outgoing> failed = firstFailed < 0 ? List.of() : pending.subList(firstFailed, pending.size());
      if (failed.isEmpty()) {
        return;
      }
      if (!running.getAsBoolean()) {
        throw new InterruptedException("engine stopping with " + failed.size() + " unsent changes (not marked processed)");
      }
      log.warn("Kafka did not take {} changes of source {} ({}); capture waits at its WAL position, retry in {} ms",
          failed.size(), datasource, error, backoffMillis);
      blocked.accept("Kafka: " + error);
      wakeup.await(() -> !running.getAsBoolean(), backoffMillis);
      if (!running.getAsBoolean()) {
        throw new InterruptedException("engine stopping with " + failed.size() + " unsent changes (not marked processed)");
      }
      backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
      pending = failed;
    }
  }
}
