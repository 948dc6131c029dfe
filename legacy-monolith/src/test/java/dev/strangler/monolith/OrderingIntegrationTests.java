package dev.strangler.monolith;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.strangler.paymentstub.PaymentProviderEndpoint;
import dev.strangler.paymentstub.PaymentProviderStubs;
import dev.strangler.testkit.TestInfrastructure;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** Menus, coupons and the order flow against real PostgreSQL and the payment provider's stubs. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "delivery.payment.timeout=3s")
@ExtendWith(OutputCaptureExtension.class)
class OrderingIntegrationTests {

  private static final String APPROVED_CARD = "4111111111111111";
  private static final String DECLINED_CARD = "4000000000000002";
  private static final String SLOW_CARD = "4000000000000003";
  private static final String FAILING_CARD = "4000000000000500";

  static final WireMockServer provider = PaymentProviderStubs.start();

  static {
    // the first templated answer of a fresh WireMock can take seconds on a busy machine
    warmUp(provider);
  }
  private static final AtomicLong members = new AtomicLong(100);

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("monolith_ordering").registerAsDataSource(registry);
    registry.add("delivery.payment.base-url", () -> PaymentProviderStubs.baseUrl(provider).toString());
  }

  @AfterAll
  static void stopProvider() {
    provider.stop();
  }

  @LocalServerPort
  int port;

  @Autowired
  JdbcClient jdbc;

  @Autowired
  ApplicationContext context;

  Api api;
  long memberId;

  @BeforeEach
  void setUp() {
    api = new Api(port);
    provider.resetAll();
    memberId = members.incrementAndGet();
  }

  @Test
  void usesTheProviderUrlFromDynamicPropertiesAndStartsNoStubOfItsOwn() {
    assertThat(context.getBean(PaymentProviderEndpoint.class))
        .isEqualTo(new PaymentProviderEndpoint(PaymentProviderStubs.baseUrl(provider),
            Duration.ofSeconds(3), false));
    assertThat(context.getBeansOfType(WireMockServer.class)).isEmpty();
  }

  @Test
  void listsTheSeededMenusInIdOrder() {
    var response = api.get("/api/menus");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).contains("""
        {"id":1,"name":"Bulgogi Bowl","price":12.50,"available":true}""", """
        {"id":6,"name":"Seasonal Special","price":15.00,"available":false}""");
    assertThat(response.json().valueStream().map(m -> m.get("id").asLong()))
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void refusesAnOrderForAMenuMadeUnavailableWithoutCharging() {
    try {
      var changed = api.put("/api/menus/5/availability", "{\"available\": false}");
      assertThat(changed.body()).isEqualTo("""
          {"id":5,"name":"Japchae","price":11.00,"available":false}""");

      var response = api.post("/api/orders", order(memberId, 5, null, APPROVED_CARD));

      assertThat(response.status()).isEqualTo(422);
      assertThat(type(response)).isEqualTo("https://strangler.dev/problems/menu-unavailable");
      provider.verify(0, chargesOf(APPROVED_CARD));
      assertThat(ordersOf(memberId)).isZero();
    } finally {
      api.put("/api/menus/5/availability", "{\"available\": true}");
    }
  }

  @Test
  void refusesAnUnknownMenuAs422AndAnUnknownMenuAvailabilityAs404() {
    assertThat(api.post("/api/orders", order(memberId, 999, null, APPROVED_CARD)).status())
        .isEqualTo(422);
    var response = api.put("/api/menus/999/availability", "{\"available\": true}");
    assertThat(response.status()).isEqualTo(404);
    assertThat(type(response)).isEqualTo("https://strangler.dev/problems/not-found");
  }

  @Test
  void issuesCouponsWithGivenOrGeneratedCodesAndRefusesADuplicateCode() {
    var given = api.post(coupons(memberId), "{\"code\": \"SPRING-" + memberId + "\", \"discount\": 3}");
    var generated = api.post(coupons(memberId), "{\"discount\": 1.5}");
    var duplicate = api.post(coupons(memberId + 1000), "{\"code\": \"SPRING-" + memberId + "\", \"discount\": 9}");

    assertThat(given.status()).isEqualTo(201);
    assertThat(given.body()).contains("\"code\":\"SPRING-" + memberId + "\"", "\"discount\":3.00",
        "\"used\":false", "\"memberId\":" + memberId);
    assertThat(generated.status()).isEqualTo(201);
    assertThat(generated.json().get("code").asString()).matches("[A-Z0-9]{8}");
    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(type(duplicate)).isEqualTo("https://strangler.dev/problems/duplicate-coupon");
    assertThat(api.get(coupons(memberId)).json().valueStream().map(c -> c.get("code").asString()))
        .containsExactly("SPRING-" + memberId, generated.json().get("code").asString());
  }

  @Test
  void refusesACouponWithoutAPositiveDiscount() {
    var response = api.post(coupons(memberId), "{\"discount\": 0}");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().get("errors").valueStream().map(e -> e.get("field").asString()))
        .containsExactly("discount");
  }

  @Test
  void paysAnOrderWithACouponAndRecordsPaymentHistoryAndDelivery(CapturedOutput output) {
    String code = issueCoupon(memberId, "5");

    var response = api.post("/api/orders", """
        {"memberId": %d, "items": [{"menuId": 1, "quantity": 2}, {"menuId": 4, "quantity": 1}],
         "couponCode": "%s", "card": {"type": "VISA", "number": "%s", "expiry": "12/30"}}"""
        .formatted(memberId, code, APPROVED_CARD));

    assertThat(response.status()).as(response.toString()).isEqualTo(201);
    JsonNode order = response.json();
    long orderId = order.get("id").asLong();
    assertThat(response.location()).isEqualTo("/api/orders/" + orderId);
    assertThat(response.body()).contains("\"status\":\"PAID\"", "\"subtotal\":33.50",
        "\"discount\":5.00", "\"total\":28.50", "\"couponCode\":\"" + code + "\"",
        "\"cardLast4\":\"1111\"", """
        {"menuId":1,"name":"Bulgogi Bowl","quantity":2,"unitPrice":12.50,"lineTotal":25.00}""");
    assertThat(order.get("createdAt").asString()).matches(".+T.+\\.\\d{3}Z");
    provider.verify(1, postRequestedFor(urlEqualTo("/v1/charges"))
        .withRequestBody(matchingJsonPath("$.amount", equalTo("28.5")))
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(APPROVED_CARD))));

    assertThat(jdbc.sql("SELECT amount, card_last4, provider_charge_id, status FROM payments WHERE order_id = :id")
        .param("id", orderId).query().singleRow())
        .containsEntry("amount", new BigDecimal("28.50"))
        .containsEntry("card_last4", "1111")
        .containsEntry("status", "APPROVED")
        .hasEntrySatisfying("provider_charge_id", id -> assertThat((String) id).startsWith("ch_"));
    assertThat(history(orderId)).containsExactly("CHARGE_APPROVED");
    assertThat(jdbc.sql("SELECT status FROM delivery_requests WHERE order_id = :id").param("id", orderId)
        .query(String.class).single()).isEqualTo("REQUESTED");
    assertThat(couponState(code)).isEqualTo("used by " + orderId);
    assertThat(output.getAll()).doesNotContain(APPROVED_CARD);

    assertThat(api.get("/api/orders/" + orderId).body()).isEqualTo(response.body());
    assertThat(api.get("/api/members/" + memberId + "/orders").body())
        .isEqualTo("[" + response.body() + "]");
  }

  @Test
  void failsADeclinedOrderWith402AndReleasesTheCoupon() {
    String code = issueCoupon(memberId, "5");

    var response = api.post("/api/orders", order(memberId, 3, code, DECLINED_CARD));

    assertThat(response.status()).isEqualTo(402);
    assertThat(type(response)).isEqualTo("https://strangler.dev/problems/payment-declined");
    long orderId = response.json().get("orderId").asLong();
    assertFailed(orderId, "DECLINED", "CHARGE_DECLINED");
    assertThat(couponState(code)).isEqualTo("free");
    assertThat(paymentsOf(orderId)).isZero();
  }

  @Test
  void failsAnOrderWith504WhenTheProviderIsTooSlow() {
    String code = issueCoupon(memberId, "5");

    var response = api.post("/api/orders", order(memberId, 2, code, SLOW_CARD));

    assertThat(response.status()).as(response.toString()).isEqualTo(504);
    assertThat(type(response)).isEqualTo("https://strangler.dev/problems/payment-timeout");
    assertFailed(response.json().get("orderId").asLong(), "TIMEOUT", "CHARGE_TIMEOUT");
    assertThat(couponState(code)).isEqualTo("free");
  }

  @Test
  void failsAnOrderWith502WhenTheProviderErrs() {
    provider.stubFor(post("/v1/charges").atPriority(0)
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(FAILING_CARD)))
        .willReturn(serverError().withBody("upstream exploded")));
    String code = issueCoupon(memberId, "5");

    var response = api.post("/api/orders", order(memberId, 2, code, FAILING_CARD));

    assertThat(response.status()).isEqualTo(502);
    assertThat(type(response)).isEqualTo("https://strangler.dev/problems/payment-provider-error");
    assertFailed(response.json().get("orderId").asLong(), "PROVIDER_ERROR", "CHARGE_ERROR");
    assertThat(couponState(code)).isEqualTo("free");
  }

  @Test
  void refusesAUsedCouponWith409WithoutCharging() {
    String code = issueCoupon(memberId, "2");
    assertThat(api.post("/api/orders", order(memberId, 1, code, APPROVED_CARD)).status()).isEqualTo(201);

    var second = api.post("/api/orders", order(memberId, 1, code, APPROVED_CARD));

    assertThat(second.status()).isEqualTo(409);
    assertThat(type(second)).isEqualTo("https://strangler.dev/problems/coupon-used");
    provider.verify(1, chargesOf(APPROVED_CARD));
  }

  @Test
  void refusesAnUnknownCouponOrAnotherMembersCouponWith422() {
    String othersCode = issueCoupon(memberId + 5000, "2");

    var unknown = api.post("/api/orders", order(memberId, 1, "NO-SUCH-CODE", APPROVED_CARD));
    var others = api.post("/api/orders", order(memberId, 1, othersCode, APPROVED_CARD));

    assertThat(unknown.status()).isEqualTo(422);
    assertThat(type(unknown)).isEqualTo("https://strangler.dev/problems/coupon-invalid");
    assertThat(others.status()).isEqualTo(422);
    assertThat(couponState(othersCode)).isEqualTo("free");
    provider.verify(0, chargesOf(APPROVED_CARD));
  }

  @Test
  void replaysTheFirstAnswerForTheSameIdempotencyKeyWithoutChargingAgain() {
    String paidKey = "paid-" + memberId;
    String declinedKey = "declined-" + memberId;

    var first = api.post("/api/orders", order(memberId, 1, null, APPROVED_CARD), "Idempotency-Key", paidKey);
    var again = api.post("/api/orders", order(memberId, 1, null, APPROVED_CARD), "Idempotency-Key", paidKey);
    var declined = api.post("/api/orders", order(memberId, 1, null, DECLINED_CARD), "Idempotency-Key", declinedKey);
    var declinedAgain = api.post("/api/orders", order(memberId, 1, null, DECLINED_CARD), "Idempotency-Key", declinedKey);

    assertThat(first.status()).isEqualTo(201);
    assertThat(again).isEqualTo(first);
    assertThat(declined.status()).isEqualTo(402);
    assertThat(declinedAgain).isEqualTo(declined);
    provider.verify(1, chargesOf(APPROVED_CARD));
    provider.verify(1, chargesOf(DECLINED_CARD));
    assertThat(ordersOf(memberId)).isEqualTo(2);
  }

  @Test
  void letsExactlyOneOfManyConcurrentOrdersUseACoupon() throws Exception {
    String code = issueCoupon(memberId, "4");
    int threads = 16;
    var start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Api.Response>> answers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        answers.add(pool.submit(() -> {
          start.await();
          return api.post("/api/orders", order(memberId, 2, code, APPROVED_CARD));
        }));
      }
      start.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Api.Response> answer : answers) {
        statuses.add(answer.get().status());
      }

      assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
      assertThat(statuses).filteredOn(s -> s == 409).hasSize(threads - 1);
      provider.verify(1, chargesOf(APPROVED_CARD));
      long paid = jdbc.sql("SELECT id FROM orders WHERE member_id = :m AND status = 'PAID'")
          .param("m", memberId).query(Long.class).single();
      assertThat(couponState(code)).isEqualTo("used by " + paid);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void listsEveryInvalidOrderFieldSortedByField() {
    var response = api.post("/api/orders", """
        {"memberId": 1, "items": [{"menuId": 1, "quantity": 100}, null],
         "card": {"type": "", "number": "4111-1111", "expiry": "13/30"}}""");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().get("errors").valueStream().map(e -> e.get("field").asString()))
        .containsExactly("card.expiry", "card.number", "card.type", "items[0].quantity", "items[1]");
    assertThat(response.body()).doesNotContain("4111-1111");
  }

  @Test
  void answersUnknownOrdersWith404AndMembersWithoutOrdersWithAnEmptyList() {
    assertThat(api.get("/api/orders/424242").status()).isEqualTo(404);
    var none = api.get("/api/members/" + memberId + "/orders");
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.body()).isEqualTo("[]");
  }

  private static void warmUp(WireMockServer server) {
    try {
      HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(PaymentProviderStubs.baseUrl(server) + "/v1/charges"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("""
              {"idempotencyKey": "warm-up", "amount": 1.00, "currency": "EUR",
               "card": {"type": "VISA", "number": "4111111111111111", "expiry": "12/30"}}"""))
          .build(), HttpResponse.BodyHandlers.discarding());
    } catch (Exception ex) {
      throw new IllegalStateException("payment provider stub does not answer", ex);
    }
  }

  /** Charges seen by the provider for a card; a slow card's request is journaled only when answered. */
  private static RequestPatternBuilder chargesOf(String card) {
    return postRequestedFor(urlEqualTo("/v1/charges"))
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(card)));
  }

  private void assertFailed(long orderId, String reason, String chargeEvent) {
    var order = api.get("/api/orders/" + orderId);
    assertThat(order.json().get("status").asString()).isEqualTo("FAILED");
    assertThat(jdbc.sql("SELECT failure_reason FROM orders WHERE id = :id").param("id", orderId)
        .query(String.class).single()).isEqualTo(reason);
    assertThat(history(orderId)).containsExactly(chargeEvent, "COUPON_RELEASED");
    assertThat(jdbc.sql("SELECT count(*) FROM delivery_requests WHERE order_id = :id")
        .param("id", orderId).query(Long.class).single()).isZero();
  }

  private String issueCoupon(long member, String discount) {
    var response = api.post(coupons(member), "{\"discount\": " + discount + "}");
    assertThat(response.status()).isEqualTo(201);
    return response.json().get("code").asString();
  }

  private String couponState(String code) {
    return jdbc.sql("SELECT used, order_id FROM coupons WHERE code = :code").param("code", code)
        .query((rs, n) -> rs.getBoolean("used") ? "used by " + rs.getLong("order_id")
            : rs.getObject("order_id") == null ? "free" : "free but linked")
        .single();
  }

  private List<String> history(long orderId) {
    return jdbc.sql("SELECT event FROM payment_history WHERE order_id = :id ORDER BY id")
        .param("id", orderId).query(String.class).list();
  }

  private long ordersOf(long member) {
    return jdbc.sql("SELECT count(*) FROM orders WHERE member_id = :m").param("m", member)
        .query(Long.class).single();
  }

  private long paymentsOf(long orderId) {
    return jdbc.sql("SELECT count(*) FROM payments WHERE order_id = :id").param("id", orderId)
        .query(Long.class).single();
  }

  private static String type(Api.Response response) {
    return response.json().get("type").asString();
  }

  private static String coupons(long member) {
    return "/api/members/" + member + "/coupons";
  }

  private static String order(long member, long menuId, String couponCode, String cardNumber) {
    String coupon = couponCode == null ? "null" : "\"" + couponCode + "\"";
    return """
        {"memberId": %d, "items": [{"menuId": %d, "quantity": 1}], "couponCode": %s,
         "card": {"type": "VISA", "number": "%s", "expiry": "12/30"}}"""
        .formatted(member, menuId, coupon, cardNumber);
  }
}
