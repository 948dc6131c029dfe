package dev.strangler.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.contract.ApiClient;
import dev.strangler.contract.ApiResponse;
import dev.strangler.paymentstub.PaymentProviderStubs;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One running order-service per test JVM for the integration tests: real PostgreSQL and Kafka
 * from the test kit, the payment provider's WireMock stand-in from payment-provider-stub with a
 * 5 s client timeout (this machine is slow when cold). Subclasses share the context (and the database); every test makes its own
 * member ids and coupon codes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "delivery.payment.timeout=5s",
    "delivery.outbox.poll-interval=100ms",
    // recovery is exercised by its own tests with its own contexts
    "delivery.recovery.interval=1h"})
public abstract class OrderServiceIntegrationTest {

  public static final String CARD_OK = "4111111111111111";
  public static final String CARD_DECLINED = "4000000000000002";
  public static final String CARD_SLOW = "4000000000000003";
  public static final String TOPIC = "delivery-requests";

  protected static final WireMockServer provider = PaymentProviderStubs.start();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("order_service").registerAsDataSource(registry);
    TestInfrastructure.kafka().registerBootstrapServers(registry);
    registry.add("delivery.payment.base-url", () -> PaymentProviderStubs.baseUrl(provider).toString());
  }

  @LocalServerPort
  protected int port;

  @Autowired
  protected JdbcClient jdbc;

  @AfterEach
  void restoreProviderStubs() {
    provider.resetAll();
  }

  protected ApiClient api() {
    return new ApiClient(URI.create("http://127.0.0.1:" + port));
  }

  protected static long newMemberId() {
    return ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
  }

  protected String issueCoupon(long memberId, String discount) {
    ApiResponse response = api().post("/api/members/" + memberId + "/coupons", Map.of("discount", discount));
    assertThat(response.status()).as("%s", response).isEqualTo(201);
    return response.json().path("code").stringValue();
  }

  protected static Map<String, Object> order(long memberId, String cardNumber, String couponCode,
      Map<?, ?>... items) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("memberId", memberId);
    body.put("items", List.of(items));
    if (couponCode != null) {
      body.put("couponCode", couponCode);
    }
    body.put("card", Map.of("type", "VISA", "number", cardNumber, "expiry", "12/30"));
    return body;
  }

  protected static Map<String, Object> item(long menuId, int quantity) {
    return Map.of("menuId", menuId, "quantity", quantity);
  }

  /** How many charges the provider received under the order's idempotency key. */
  protected static int chargesFor(long orderId) {
    return provider.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/charges"))
        .withRequestBody(matchingJsonPath("$.idempotencyKey", equalTo("order-" + orderId))).build()).getCount();
  }

  protected static int chargesFor(String cardNumber) {
    return provider.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/charges"))
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(cardNumber))).build()).getCount();
  }

  /** A card number no other test uses, ending as given (the provider picks its answer by the end). */
  protected static String uniqueCard(String suffix) {
    long middle = ThreadLocalRandom.current().nextLong(100_000_000L, 999_999_999L);
    return "4" + middle + "00" + suffix;
  }

  protected String orderStatus(long orderId) {
    return jdbc.sql("SELECT status FROM orders WHERE id = :id").param("id", orderId)
        .query(String.class).optional().orElse(null);
  }

  protected List<String> historyOf(long orderId) {
    return jdbc.sql("SELECT event FROM payment_history WHERE order_id = :id ORDER BY id").param("id", orderId)
        .query(String.class).list();
  }

  protected Map<String, Object> coupon(String code) {
    return jdbc.sql("SELECT used, order_id FROM coupons WHERE code = :code").param("code", code)
        .query().singleRow();
  }

  /**
   * Records on the delivery topic, read from the start, until {@code done} holds for them (then
   * half a second more, to catch late duplicates) or {@code max} has passed.
   */
  protected static List<ConsumerRecord<String, String>> deliveryRequestsUntil(
      Predicate<List<ConsumerRecord<String, String>>> done, Duration max) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + max.toNanos();
      while (System.nanoTime() < deadline && !done.test(records)) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      long grace = System.nanoTime() + Duration.ofMillis(500).toNanos();
      while (System.nanoTime() < grace) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  protected static List<ConsumerRecord<String, String>> withKey(List<ConsumerRecord<String, String>> records,
      Object key) {
    return records.stream().filter(record -> String.valueOf(key).equals(record.key())).toList();
  }
}
