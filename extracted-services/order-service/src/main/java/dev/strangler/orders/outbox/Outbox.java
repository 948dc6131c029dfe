package dev.strangler.orders.outbox;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The transactional outbox: an event recorded here commits or rolls back with the caller's
 * data; {@link OutboxRelay} publishes it to Kafka afterwards.
 */
@Component
public class Outbox {

  private final JdbcClient jdbc;
  private final JsonMapper json;

  /**
   * @param jdbc the service's database
   * @param json serialises event payloads
   */
  Outbox(JdbcClient jdbc, JsonMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /**
   * Records an event in the caller's transaction (there must be one).
   *
   * @param eventId the event id consumers deduplicate by
   * @param aggregateType e.g. {@code Order}
   * @param aggregateId the aggregate's id, also the Kafka message key
   * @param topic the Kafka topic
   * @param event a record; its simple class name is the event type
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public void record(UUID eventId, String aggregateType, String aggregateId, String topic, Record event) {
    jdbc.sql("INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, topic, message_key,"
            + " payload, created_at) VALUES (:id, :aggregateType, :aggregateId, :eventType, :topic,"
            + " :key, CAST(:payload AS jsonb), :createdAt)")
        .param("id", eventId)
        .param("aggregateType", aggregateType)
        .param("aggregateId", aggregateId)
        .param("eventType", event.getClass().getSimpleName())
        .param("topic", topic)
        .param("key", aggregateId)
        .param("payload", json.writeValueAsString(event))
        .param("createdAt", OffsetDateTime.now(ZoneOffset.UTC))
        .update();
  }
}
