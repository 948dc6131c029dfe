package dev.strangler.orders.outbox;

import static dev.strangler.contract.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.contract.ApiResponse;
import dev.strangler.orders.OrderServiceIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DeliveryOutboxIntegrationTests extends OrderServiceIntegrationTest {

  @Autowired
  Outbox outbox;

  @Autowired
  TransactionTemplate transactions;

  @Autowired
  JsonMapper json;

  @Test
  void exactlyThePaidOrdersArePublishedOnceWithKeyAndEventId() {
    long member = newMemberId();
    ApiResponse paid = api().post("/api/orders", order(member, CARD_OK, null, item(2, 3)));
    assertThat(paid.status()).as("%s", paid).isEqualTo(201);
    long paidId = paid.json().path("id").longValue();
    long failedId = assertProblem(api().post("/api/orders", order(member, CARD_DECLINED, null, item(2, 1))),
        402, "payment-declined").path("orderId").longValue();

    List<ConsumerRecord<String, String>> records = deliveryRequestsUntil(
        all -> !withKey(all, paidId).isEmpty(), Duration.ofSeconds(20));

    assertThat(withKey(records, failedId)).as("nothing for a FAILED order").isEmpty();
    List<ConsumerRecord<String, String>> delivery = withKey(records, paidId);
    assertThat(delivery).hasSize(1);
    ConsumerRecord<String, String> record = delivery.get(0);
    UUID outboxId = jdbc.sql("SELECT id FROM outbox WHERE aggregate_id = :id").param("id", Long.toString(paidId))
        .query(UUID.class).single();
    assertThat(new String(record.headers().lastHeader("eventId").value(), StandardCharsets.UTF_8))
        .isEqualTo(outboxId.toString());
    assertThat(new String(record.headers().lastHeader("eventType").value(), StandardCharsets.UTF_8))
        .isEqualTo("DeliveryRequested");
    JsonNode event = json.readTree(record.value());
    assertThat(event.path("eventId").stringValue()).isEqualTo(outboxId.toString());
    assertThat(event.path("orderId").longValue()).isEqualTo(paidId);
    assertThat(event.path("memberId").longValue()).isEqualTo(member);
    assertThat(event.path("items").get(0).path("quantity").intValue()).isEqualTo(3);
    assertThat(event.path("total").decimalValue()).isEqualByComparingTo("30.00");
    assertThat(jdbc.sql("SELECT count(*) FROM outbox WHERE aggregate_id = :id AND published_at IS NOT NULL")
        .param("id", Long.toString(paidId)).query(Long.class).single()).isEqualTo(1);
  }

  @Test
  void anEventWhoseTransactionRolledBackIsNeverPublished() {
    String rolledBackKey = "rolled-back-" + UUID.randomUUID();
    transactions.executeWithoutResult(status -> {
      outbox.record(UUID.randomUUID(), "Order", rolledBackKey, TOPIC, new Probe("rolled back"));
      status.setRollbackOnly();
    });
    // an order paid afterwards is the marker: once it is on the topic, the relay has run past
    ApiResponse marker = api().post("/api/orders", order(newMemberId(), CARD_OK, null, item(1, 1)));
    long markerId = marker.json().path("id").longValue();

    List<ConsumerRecord<String, String>> records = deliveryRequestsUntil(
        all -> !withKey(all, markerId).isEmpty(), Duration.ofSeconds(20));

    assertThat(withKey(records, markerId)).hasSize(1);
    assertThat(withKey(records, rolledBackKey)).isEmpty();
    assertThat(jdbc.sql("SELECT count(*) FROM outbox WHERE aggregate_id = :key").param("key", rolledBackKey)
        .query(Long.class).single()).isZero();
  }

  record Probe(String note) {}
}
