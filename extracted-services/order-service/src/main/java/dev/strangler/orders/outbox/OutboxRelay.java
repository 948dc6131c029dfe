package dev.strangler.orders.outbox;

import dev.strangler.orders.DeliveryProperties;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes outbox events to Kafka: key = aggregate id, headers {@code eventId} (the outbox
 * row's uuid) and {@code eventType}, value = the JSON payload. A row is marked published only
 * after Kafka acknowledged it, so delivery is at least once; consumers drop duplicates by
 * event id. Rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so several instances can
 * relay side by side without publishing the same row at the same time.
 */
@Component
class OutboxRelay {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;
  private final KafkaTemplate<String, String> kafka;
  private final int batchSize;

  /**
   * @param jdbc the service's database
   * @param transactions for the claim of a batch (a lock, no business data)
   * @param kafka the producer
   * @param properties batch size
   */
  OutboxRelay(JdbcClient jdbc, TransactionTemplate transactions, KafkaTemplate<String, String> kafka,
      DeliveryProperties properties) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.kafka = kafka;
    this.batchSize = properties.outbox().batchSize();
  }

  @Scheduled(fixedDelayString = "${delivery.outbox.poll-interval:200ms}")
  void relay() {
    try {
      Integer published;
      do {
        published = transactions.execute(status -> publishBatch());
      } while (published != null && published == batchSize);
    } catch (RuntimeException e) {
      log.warn("Outbox relay failed; retrying on the next poll: {}", e.toString());
    }
  }

  private int publishBatch() {
    List<Pending> batch = jdbc.sql("SELECT id, event_type, topic, message_key, payload::text AS payload"
            + " FROM outbox WHERE published_at IS NULL ORDER BY created_at LIMIT :limit"
            + " FOR UPDATE SKIP LOCKED")
        .param("limit", batchSize)
        .query(OutboxRelay::pending).list();
    if (batch.isEmpty()) {
      return 0;
    }
    List<CompletableFuture<SendResult<String, String>>> sends = new ArrayList<>();
    for (Pending event : batch) {
      ProducerRecord<String, String> record = new ProducerRecord<>(event.topic(), event.key(), event.payload());
      record.headers().add("eventId", event.id().toString().getBytes(StandardCharsets.UTF_8));
      record.headers().add("eventType", event.type().getBytes(StandardCharsets.UTF_8));
      sends.add(kafka.send(record));
    }
    try {
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Kafka did not acknowledge the outbox batch", e);
    }
    jdbc.sql("UPDATE outbox SET published_at = :now WHERE id IN (:ids)")
        .param("now", OffsetDateTime.now(ZoneOffset.UTC))
        .param("ids", batch.stream().map(Pending::id).toList())
        .update();
    log.debug("Published {} outbox events", batch.size());
    return batch.size();
  }

  private static Pending pending(ResultSet rs, int row) throws SQLException {
    return new Pending(rs.getObject("id", UUID.class), rs.getString("event_type"), rs.getString("topic"),
        rs.getString("message_key"), rs.getString("payload"));
  }

  private record Pending(UUID id, String type, String topic, String key, String payload) {}

  @Configuration(proxyBeanMethods = false)
  static class Topics {

    @Bean
    NewTopic deliveryRequestsTopic(DeliveryProperties properties) {
      // replication factor: the broker's default
      return TopicBuilder.name(properties.outbox().topic()).partitions(3).build();
    }
  }
}
