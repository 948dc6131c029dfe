package dev.strangler.orders.ordering;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.contract.ApiClient;
import dev.strangler.contract.ApiResponse;
import dev.strangler.orders.OrderServiceApplication;
import dev.strangler.paymentstub.PaymentProviderStubs;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Stops the service in the middle of a saga, starts a new instance on the same database and
 * checks that recovery settles every abandoned order: no second charge, no coupon lost.
 */
class SagaCrashRecoveryIntegrationTests {

  private static final WireMockServer provider = PaymentProviderStubs.start();
  private static final TestDatabase database = TestInfrastructure.freshDatabase("order_crash");
  private static final String HANGING_CARD = "4242424242429009";

  @AfterAll
  static void stopProvider() {
    provider.stop();
  }

  @Test
  void recoveryAfterACrashFinishesChargedSagasAndCompensatesTheRest() throws Exception {
    // the provider takes the charge but answers only after the service has died
    provider.stubFor(post(urlEqualTo("/v1/charges")).atPriority(0)
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(HANGING_CARD)))
        .willReturn(aResponse().withStatus(201).withFixedDelay(8_000).withHeader("Content-Type", "application/json")
            .withBody("{\"chargeId\": \"ch_crash\", \"status\": \"APPROVED\", \"amount\": 20.00}")));
    long member = 4242;
    long charged;
    String chargedCoupon;
    CompletableFuture<ApiResponse> inFlight;
    try (ConfigurableApplicationContext first = start("30s")) {
      ApiClient api = api(first);
      chargedCoupon = api.post("/api/members/" + member + "/coupons", Map.of("discount", "5.00"))
          .json().path("code").stringValue();
      inFlight = CompletableFuture.supplyAsync(() -> api.post("/api/orders",
          Map.of("memberId", member, "items", List.of(Map.of("menuId", 2, "quantity", 2)),
              "couponCode", chargedCoupon,
              "card", Map.of("type", "VISA", "number", HANGING_CARD, "expiry", "12/30")),
          Map.of("Idempotency-Key", "crash-" + System.nanoTime())));
      await(() -> provider.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/charges")).build()).getCount() == 1,
          Duration.ofSeconds(30));
      charged = jdbc().sql("SELECT id FROM orders WHERE member_id = :m").param("m", member).query(Long.class).single();
      // the provider has recorded the charge under the order's key
      provider.stubFor(get(urlPathEqualTo("/v1/charges")).atPriority(0)
          .withQueryParam("idempotencyKey", equalTo("order-" + charged))
          .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
              .withBody("{\"chargeId\": \"ch_crash\", \"status\": \"APPROVED\", \"amount\": 15.00}")));
    } // the service stops here, mid-saga
    assertThat(status(charged)).as("stopped after charging, before confirming").isEqualTo("CHARGING");
    inFlight.handle((response, error) -> null).get();

    // two more sagas a dead process left behind: one reserved its coupon, one was charging
    // when it died before the provider got anything
    String reservedCoupon = abandonedOrder(member, "COUPON_RESERVED", "RESERVED1");
    String uncharged = abandonedOrder(member, "CHARGING", "UNCHARGED");

    try (ConfigurableApplicationContext second = start("0s")) {
      await(() -> "PAID".equals(status(charged)) && !"CHARGING".equals(status(orderOf(uncharged)))
          && !"COUPON_RESERVED".equals(status(orderOf(reservedCoupon))), Duration.ofSeconds(30));

      assertThat(provider.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/charges")).build()).getCount())
          .as("no second charge").isEqualTo(1);
      assertThat(jdbc().sql("SELECT provider_charge_id FROM payments WHERE order_id = :id").param("id", charged)
          .query(String.class).single()).isEqualTo("ch_crash");
      assertThat(jdbc().sql("SELECT used FROM coupons WHERE code = :c").param("c", chargedCoupon)
          .query(Boolean.class).single()).as("the paid order keeps its coupon").isTrue();
      assertThat(jdbc().sql("SELECT count(*) FROM outbox WHERE aggregate_id = :id").param("id", Long.toString(charged))
          .query(Long.class).single()).as("delivery requested").isEqualTo(1);
      assertThat(api(second).get("/api/orders/" + charged).json().path("status").stringValue()).isEqualTo("PAID");

      for (String code : List.of(reservedCoupon, uncharged)) {
        assertThat(status(orderOf(code))).isEqualTo("FAILED");
        assertThat(jdbc().sql("SELECT used FROM coupons WHERE code = :c").param("c", code)
            .query(Boolean.class).single()).as("coupon %s released", code).isFalse();
      }
    }
  }

  private static ConfigurableApplicationContext start(String staleAfter) {
    // arguments, not default properties: those would lose against application.yml
    return new SpringApplicationBuilder(OrderServiceApplication.class).run(
        "--server.port=0",
        "--server.shutdown=immediate",
        "--spring.datasource.url=" + database.jdbcUrl(),
        "--spring.datasource.username=" + database.username(),
        "--spring.datasource.password=" + database.password(),
        "--spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "--delivery.payment.base-url=" + PaymentProviderStubs.baseUrl(provider),
        "--delivery.payment.timeout=20s",
        "--delivery.recovery.stale-after=" + staleAfter,
        "--delivery.recovery.interval=500ms");
  }

  /** An order left in {@code status} holding a coupon, as a process that died would leave it. */
  private static String abandonedOrder(long member, String status, String code) {
    long id = jdbc().sql("INSERT INTO orders (member_id, status, subtotal, discount_amount, total_amount,"
            + " coupon_code, card_last4, created_at, updated_at) VALUES (:m, :s, 10.00, 1.00, 9.00, :c, '1111',"
            + " now() - interval '1 minute', now() - interval '1 minute') RETURNING id")
        .param("m", member).param("s", status).param("c", code).query(Long.class).single();
    jdbc().sql("INSERT INTO coupons (code, member_id, discount_amount, used, order_id, issued_at, used_at)"
            + " VALUES (:c, :m, 1.00, true, :o, now(), now())")
        .param("c", code).param("m", member).param("o", id).update();
    return code;
  }

  private static long orderOf(String couponCode) {
    return jdbc().sql("SELECT id FROM orders WHERE coupon_code = :c").param("c", couponCode)
        .query(Long.class).single();
  }

  private static String status(long orderId) {
    return jdbc().sql("SELECT status FROM orders WHERE id = :id").param("id", orderId).query(String.class).single();
  }

  private static JdbcClient jdbc() {
    return JdbcClient.create(new org.springframework.jdbc.datasource.DriverManagerDataSource(
        database.jdbcUrl(), database.username(), database.password()));
  }

  private static ApiClient api(ConfigurableApplicationContext context) {
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    return new ApiClient(URI.create("http://127.0.0.1:" + port));
  }

  private static void await(BooleanSupplier condition, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + max);
      }
      Thread.sleep(100);
    }
  }
}
