package dev.strangler.orders.ordering;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static dev.strangler.contract.Problems.assertProblem;
import static dev.strangler.contract.Problems.assertValidationProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.contract.ApiResponse;
import dev.strangler.orders.OrderServiceIntegrationTest;
import java.math.BigDecimal;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

class OrderSagaIntegrationTests extends OrderServiceIntegrationTest {

  private static final long FIRST_SERVICE_ID = 1_000_000_000_000L;

  @Test
  void paidOrderAnswers201WithPricedLinesCouponDiscountAndLocation() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "5.00");

    ApiResponse response = api().post("/api/orders", order(member, CARD_OK, coupon, item(1, 2), item(4, 1)));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    JsonNode order = response.json();
    long id = order.path("id").longValue();
    assertThat(id).as("ids from 10^12, disjoint from the monolith's").isGreaterThanOrEqualTo(FIRST_SERVICE_ID);
    assertThat(response.header("Location")).isEqualTo("/api/orders/" + id);
    assertThat(order.path("status").stringValue()).isEqualTo("PAID");
    assertThat(order.path("memberId").longValue()).isEqualTo(member);
    assertThat(order.path("items")).hasSize(2);
    assertThat(order.path("items").get(0).path("name").stringValue()).isEqualTo("Bulgogi Bowl");
    assertThat(order.path("couponCode").stringValue()).isEqualTo(coupon);
    assertThat(order.path("cardLast4").stringValue()).isEqualTo("1111");
    assertThat(order.path("createdAt").stringValue()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    // money is a JSON number with two decimals
    assertThat(response.body()).contains("\"unitPrice\":12.50", "\"lineTotal\":25.00", "\"subtotal\":33.50",
        "\"discount\":5.00", "\"total\":28.50");
    assertThat(response.body()).doesNotContain(CARD_OK);

    assertThat(chargesFor(id)).as("one charge under the order's key").isEqualTo(1);
    assertThat(historyOf(id)).containsExactly("CHARGE_APPROVED");
    assertThat(jdbc.sql("SELECT amount FROM payments WHERE order_id = :id").param("id", id)
        .query(BigDecimal.class).single()).isEqualByComparingTo("28.50");
    assertThat(coupon(coupon)).containsEntry("used", true).containsEntry("order_id", id);
    assertThat(api().get("/api/orders/" + id).json()).isEqualTo(order);
    assertThat(api().get("/api/members/" + member + "/orders").json()).containsExactly(order);
  }

  @Test
  void discountIsCappedAtTheSubtotal() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "50.00");

    ApiResponse response = api().post("/api/orders", order(member, CARD_OK, coupon, item(4, 1)));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.body()).contains("\"discount\":8.50", "\"total\":0.00");
  }

  @Test
  void declinedCardAnswers402ReleasesTheCouponAndFailsTheOrder() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "3.00");

    ApiResponse response = api().post("/api/orders", order(member, CARD_DECLINED, coupon, item(2, 1)));

    JsonNode problem = assertProblem(response, 402, "payment-declined");
    long orderId = problem.path("orderId").longValue();
    assertThat(orderStatus(orderId)).isEqualTo("FAILED");
    assertThat(historyOf(orderId)).containsExactly("CHARGE_DECLINED", "COUPON_RELEASED");
    assertThat(coupon(coupon)).containsEntry("used", false).containsEntry("order_id", null);
    assertThat(api().get("/api/orders/" + orderId).json().path("status").stringValue()).isEqualTo("FAILED");
    // the released coupon works for the next order
    assertThat(api().post("/api/orders", order(member, CARD_OK, coupon, item(2, 1))).status()).isEqualTo(201);
  }

  @Test
  void providerTimeoutAnswers504AndReleasesTheCoupon() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "3.00");
    long start = System.nanoTime();

    ApiResponse response = api().post("/api/orders", order(member, CARD_SLOW, coupon, item(2, 1)));

    assertThat((System.nanoTime() - start) / 1_000_000).as("answered after the 5 s timeout, not the 10 s")
        .isLessThan(9_500);
    long orderId = assertProblem(response, 504, "payment-timeout").path("orderId").longValue();
    assertThat(orderStatus(orderId)).isEqualTo("FAILED");
    assertThat(historyOf(orderId)).containsExactly("CHARGE_TIMEOUT", "COUPON_RELEASED");
    assertThat(coupon(coupon)).containsEntry("used", false);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("providerFailures")
  void providerFailureAnswers502AndReleasesTheCoupon(String label, int status, String body) {
    String card = uniqueCard("5005");
    provider.stubFor(post(urlEqualTo("/v1/charges")).atPriority(0)
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(card)))
        .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    long member = newMemberId();
    String coupon = issueCoupon(member, "3.00");

    ApiResponse response = api().post("/api/orders", order(member, card, coupon, item(3, 1)));

    long orderId = assertProblem(response, 502, "payment-provider-error").path("orderId").longValue();
    assertThat(orderStatus(orderId)).isEqualTo("FAILED");
    assertThat(historyOf(orderId)).containsExactly("CHARGE_ERROR", "COUPON_RELEASED");
    assertThat(coupon(coupon)).containsEntry("used", false);
  }

  static Stream<Arguments> providerFailures() {
    return Stream.of(
        Arguments.of("500", 500, "{\"error\": \"internal\"}"),
        Arguments.of("503 without JSON", 503, "<html>unavailable</html>"),
        Arguments.of("201 with garbage", 201, "not json"),
        Arguments.of("201 without a charge id", 201, "{\"status\": \"APPROVED\"}"));
  }

  @Test
  void slowProviderWithinTheTimeoutStillPays() {
    String card = uniqueCard("7007");
    provider.stubFor(post(urlEqualTo("/v1/charges")).atPriority(0)
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(card)))
        .willReturn(aResponse().withStatus(201).withFixedDelay(600).withHeader("Content-Type", "application/json")
            .withBody("{\"chargeId\": \"ch_slow\", \"status\": \"APPROVED\", \"amount\": 18.00}")));

    ApiResponse response = api().post("/api/orders", order(newMemberId(), card, null, item(3, 1)));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    long id = response.json().path("id").longValue();
    assertThat(jdbc.sql("SELECT provider_charge_id FROM payments WHERE order_id = :id").param("id", id)
        .query(String.class).single()).isEqualTo("ch_slow");
  }

  @Test
  void unavailableMenuAnswers422WithoutChargingOrKeepingAnOrder() {
    long member = newMemberId();
    String card = uniqueCard("1111");

    ApiResponse response = api().post("/api/orders", order(member, card, null, item(1, 1), item(6, 1)));

    assertProblem(response, 422, "menu-unavailable");
    assertThat(chargesFor(card)).isZero();
    assertThat(api().get("/api/members/" + member + "/orders").json()).isEmpty();
    assertThat(jdbc.sql("SELECT count(*) FROM orders WHERE member_id = :m").param("m", member)
        .query(Long.class).single()).isZero();
  }

  @Test
  void unknownMenuAnswers422() {
    assertProblem(api().post("/api/orders", order(newMemberId(), CARD_OK, null, item(999, 1))),
        422, "menu-unavailable");
  }

  @Test
  void usedCouponAnswers409WithoutCharging() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "2.00");
    assertThat(api().post("/api/orders", order(member, CARD_OK, coupon, item(1, 1))).status()).isEqualTo(201);
    String card = uniqueCard("1111");

    ApiResponse again = api().post("/api/orders", order(member, card, coupon, item(1, 1)));

    assertProblem(again, 409, "coupon-used");
    assertThat(chargesFor(card)).isZero();
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  @Test
  void couponOfAnotherMemberAnswers422() {
    String coupon = issueCoupon(newMemberId(), "2.00");

    ApiResponse response = api().post("/api/orders", order(newMemberId(), CARD_OK, coupon, item(1, 1)));

    assertProblem(response, 422, "coupon-invalid");
    assertThat(coupon(coupon)).containsEntry("used", false);
  }

  @Test
  void sameIdempotencyKeyReplaysTheFirstAnswerWithoutASecondCharge() {
    long member = newMemberId();
    Map<String, String> key = Map.of("Idempotency-Key", "retry-" + member);
    ApiResponse first = api().post("/api/orders", order(member, CARD_OK, null, item(5, 2)), key);
    assertThat(first.status()).as("%s", first).isEqualTo(201);

    ApiResponse second = api().post("/api/orders", order(member, CARD_OK, null, item(5, 2)), key);

    assertThat(second.status()).isEqualTo(201);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("Location")).isEqualTo(first.header("Location"));
    assertThat(chargesFor(first.json().path("id").longValue())).isEqualTo(1);
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  @Test
  void sameIdempotencyKeyReplaysADeclineWithTheSameProblem() {
    long member = newMemberId();
    Map<String, String> key = Map.of("Idempotency-Key", "declined-" + member);
    ApiResponse first = api().post("/api/orders", order(member, CARD_DECLINED, null, item(5, 1)), key);
    assertProblem(first, 402, "payment-declined");

    ApiResponse second = api().post("/api/orders", order(member, CARD_DECLINED, null, item(5, 1)), key);

    assertThat(second.status()).isEqualTo(402);
    assertThat(second.json()).isEqualTo(first.json());
    assertThat(chargesFor(first.json().path("orderId").longValue())).isEqualTo(1);
  }

  @Test
  void invalidOrderAnswers400NamingTheFields() {
    Map<String, Object> body = order(newMemberId(), "12ab", null, item(1, 0));
    body.remove("memberId");

    assertValidationProblem(api().post("/api/orders", body), "card.number", "items[0].quantity", "memberId");
  }

  @Test
  void unknownOrderAnswers404() {
    assertProblem(api().get("/api/orders/999999999999999"), 404, "not-found");
  }
}
