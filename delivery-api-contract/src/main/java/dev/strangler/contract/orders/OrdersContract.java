package dev.strangler.contract.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.strangler.contract.Problems.assertProblem;
import static dev.strangler.contract.Problems.assertValidationProblem;
import static dev.strangler.contract.orders.OrderRequests.CARD_DECLINED;
import static dev.strangler.contract.orders.OrderRequests.CARD_OK;
import static dev.strangler.contract.orders.OrderRequests.CARD_PROVIDER_ERROR;
import static dev.strangler.contract.orders.OrderRequests.CARD_SLOW;
import static dev.strangler.contract.orders.OrderRequests.item;
import static dev.strangler.contract.orders.OrderRequests.newMemberId;
import static dev.strangler.contract.orders.OrderRequests.order;
import static dev.strangler.contract.orders.OrderRequests.uniqueCode;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.contract.ApiContract;
import dev.strangler.contract.ApiResponse;
import dev.strangler.paymentstub.PaymentProviderStubs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The "Menus", "Coupons" and "Orders" parts of {@code docs/api.md}: the route {@code orders}
 * ({@code /api/orders/**}, {@code /api/members/*}{@code /orders}, {@code /api/members/*}{@code /coupons})
 * and {@code /api/menus}. Runs against the legacy monolith and the order-service.
 *
 * <p>The contract brings its own payment provider: a WireMock server with the stub mappings of
 * payment-provider-stub, plus a 500 for cards ending {@code 0500}. The app under test must use
 * it and a payment timeout well under the stub's 10 s slow answer:
 *
 * <pre>{@code
 * @SpringBootTest(webEnvironment = RANDOM_PORT, properties = "delivery.payment.timeout=2s")
 * class MyAppOrdersParityTests extends OrdersContract {
 *   @DynamicPropertySource
 *   static void infrastructure(DynamicPropertyRegistry registry) {
 *     TestInfrastructure.freshDatabase("orders_parity").registerAsDataSource(registry);
 *     registry.add("delivery.payment.base-url", OrdersContract::paymentProviderUrl);
 *   }
 *   ...
 * }
 * }</pre>
 */
public abstract class OrdersContract extends ApiContract {

  private static final String UTC_MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";
  private static final WireMockServer PROVIDER = startProvider();

  /** The title of each problem type, the same on every app (a shadow comparison sees it). */
  private static final Map<String, String> TITLES = Map.of(
      "validation", "Invalid request",
      "not-found", "Not found",
      "duplicate-coupon", "Coupon code taken",
      "coupon-used", "Coupon already used",
      "coupon-invalid", "Coupon invalid",
      "menu-unavailable", "Menu unavailable",
      "payment-declined", "Payment declined",
      "payment-provider-error", "Payment provider error",
      "payment-timeout", "Payment timed out");

  /** The base URL of the contract's payment provider, for {@code delivery.payment.base-url}. */
  public static String paymentProviderUrl() {
    return PaymentProviderStubs.baseUrl(PROVIDER).toString();
  }

  private static WireMockServer startProvider() {
    WireMockServer server = PaymentProviderStubs.start();
    server.stubFor(post(urlEqualTo(PaymentProviderStubs.CHARGES_PATH)).atPriority(0)
        .withRequestBody(matchingJsonPath("$.card.number", matching("^.*0500$")))
        .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
            .withBody("{\"error\": \"internal\"}")));
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "contract-payment-provider-stop"));
    return server;
  }

  // ---- menus

  @Test
  void menusAreListedByIdWithTheSeededOnes() {
    ApiResponse response = api().get("/api/menus");

    assertThat(response.status()).as("%s", response).isEqualTo(200);
    assertThat(response.mediaType()).isEqualTo("application/json");
    JsonNode menus = response.json();
    List<Long> ids = new ArrayList<>();
    menus.forEach(menu -> {
      assertThat(menu.propertyNames()).containsExactlyInAnyOrder("id", "name", "price", "available");
      ids.add(menu.path("id").longValue());
    });
    assertThat(ids).isSorted().contains(1L, 2L, 3L, 4L, 5L, 6L);
    JsonNode first = menus.get(0);
    assertThat(first.path("name").stringValue()).isEqualTo("Bulgogi Bowl");
    assertThat(first.path("price").isNumber()).isTrue();
    assertThat(response.body()).contains("12.50");
    assertThat(menus.get(5).path("name").stringValue()).isEqualTo("Seasonal Special");
    assertThat(menus.get(5).path("available").booleanValue()).isFalse();
  }

  @Test
  void availabilityCanBeSwitchedAndIsAnsweredWithTheMenu() {
    try {
      ApiResponse response = api().put("/api/menus/6/availability", Map.of("available", true));

      assertThat(response.status()).as("%s", response).isEqualTo(200);
      assertThat(response.json().path("id").longValue()).isEqualTo(6);
      assertThat(response.json().path("available").booleanValue()).isTrue();
      assertThat(api().get("/api/menus").json().get(5).path("available").booleanValue()).isTrue();
    } finally {
      assertThat(api().put("/api/menus/6/availability", Map.of("available", false)).status()).isEqualTo(200);
    }
  }

  @Test
  void availabilityOfAnUnknownMenuAnswers404() {
    problem(api().put("/api/menus/999999/availability", Map.of("available", true)), 404, "not-found");
  }

  @Test
  void availabilityWithoutAValueAnswers400() {
    assertValidationProblem(api().put("/api/menus/1/availability", Map.of()), "available");
  }

  // ---- coupons

  @Test
  void issuingACouponAnswers201WithIt() {
    long member = newMemberId();
    String code = uniqueCode();

    ApiResponse response = api().post("/api/members/" + member + "/coupons", Map.of("code", code, "discount", 2.5));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    JsonNode coupon = response.json();
    assertThat(coupon.propertyNames()).containsExactlyInAnyOrder("code", "memberId", "discount", "used", "issuedAt");
    assertThat(coupon.path("code").stringValue()).isEqualTo(code);
    assertThat(coupon.path("memberId").longValue()).isEqualTo(member);
    assertThat(response.body()).contains("\"discount\":2.50");
    assertThat(coupon.path("used").booleanValue()).isFalse();
    assertThat(coupon.path("issuedAt").stringValue()).matches(UTC_MILLIS);
  }

  @Test
  void aCouponWithoutCodeGetsEightUpperCaseLettersOrDigits() {
    ApiResponse response = api().post("/api/members/" + newMemberId() + "/coupons", Map.of("discount", 1));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.json().path("code").stringValue()).matches("[A-Z0-9]{8}");
  }

  @Test
  void aDuplicateCouponCodeAnswers409() {
    String code = uniqueCode();
    assertThat(api().post("/api/members/" + newMemberId() + "/coupons", Map.of("code", code, "discount", 1))
        .status()).isEqualTo(201);

    problem(api().post("/api/members/" + newMemberId() + "/coupons", Map.of("code", code, "discount", 1)),
        409, "duplicate-coupon");
  }

  @ParameterizedTest(name = "[{index}] discount {0}")
  @MethodSource("invalidDiscounts")
  void aCouponWithoutAPositiveDiscountAnswers400(Object discount) {
    Map<String, Object> body = new java.util.HashMap<>();
    body.put("discount", discount);

    assertValidationProblem(api().post("/api/members/" + newMemberId() + "/coupons", body), "discount");
  }

  static Stream<Object> invalidDiscounts() {
    return Stream.of(0, -1, null);
  }

  @Test
  void couponsAreListedByIssueTimeThenCode() {
    long member = newMemberId();
    for (String code : List.of("ZZ" + uniqueCode(), "AA" + uniqueCode(), "MM" + uniqueCode())) {
      assertThat(api().post("/api/members/" + member + "/coupons", Map.of("code", code, "discount", 1)).status())
          .isEqualTo(201);
    }

    ApiResponse response = api().get("/api/members/" + member + "/coupons");

    assertThat(response.status()).isEqualTo(200);
    List<String> keys = new ArrayList<>();
    response.json().forEach(c -> keys.add(c.path("issuedAt").stringValue() + " " + c.path("code").stringValue()));
    assertThat(keys).hasSize(3).isSorted();
    assertThat(api().get("/api/members/" + newMemberId() + "/coupons").json()).isEmpty();
  }

  // ---- orders

  @Test
  void aPaidOrderAnswers201WithLocationAndTheOrder() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "5.00");

    ApiResponse response = api().post("/api/orders", order(member, CARD_OK, coupon, item(1, 2), item(4, 1)));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.mediaType()).isEqualTo("application/json");
    JsonNode order = response.json();
    assertOrderShape(order);
    long id = order.path("id").longValue();
    assertThat(response.header("Location")).isEqualTo("/api/orders/" + id);
    assertThat(order.path("status").stringValue()).isEqualTo("PAID");
    assertThat(order.path("memberId").longValue()).isEqualTo(member);
    assertThat(order.path("couponCode").stringValue()).isEqualTo(coupon);
    assertThat(order.path("cardLast4").stringValue()).isEqualTo("1111");
    JsonNode first = order.path("items").get(0);
    assertThat(first.propertyNames()).containsExactlyInAnyOrder("menuId", "name", "quantity", "unitPrice", "lineTotal");
    assertThat(first.path("menuId").longValue()).isEqualTo(1);
    assertThat(first.path("name").stringValue()).isEqualTo("Bulgogi Bowl");
    assertThat(first.path("quantity").intValue()).isEqualTo(2);
    assertThat(response.body()).contains("\"unitPrice\":12.50", "\"lineTotal\":25.00", "\"subtotal\":33.50",
        "\"discount\":5.00", "\"total\":28.50").doesNotContain(CARD_OK);

    assertThat(api().get("/api/orders/" + id).json()).isEqualTo(order);
    assertThat(api().get("/api/members/" + member + "/orders").json()).containsExactly(order);
    assertThat(api().get("/api/members/" + member + "/coupons").json().get(0).path("used").booleanValue()).isTrue();
  }

  @Test
  void anOrderWithoutCouponHasNoDiscount() {
    ApiResponse response = api().post("/api/orders", order(newMemberId(), CARD_OK, null, item(3, 1)));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.json().has("couponCode")).isTrue();
    assertThat(response.json().path("couponCode").isNull()).isTrue();
    assertThat(response.body()).contains("\"discount\":0.00", "\"total\":18.00");
  }

  @Test
  void theDiscountIsCappedAtTheSubtotal() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "50.00");

    ApiResponse response = api().post("/api/orders", order(member, CARD_OK, coupon, item(4, 1)));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.body()).contains("\"discount\":8.50", "\"total\":0.00");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("failedPayments")
  void aFailedPaymentAnswersItsProblemReleasesTheCouponAndFailsTheOrder(String label, String card, int status,
      String slug) {
    long member = newMemberId();
    String coupon = issueCoupon(member, "3.00");

    ApiResponse response = api().post("/api/orders", order(member, card, coupon, item(2, 1)));

    JsonNode problem = problem(response, status, slug);
    assertThat(problem.path("orderId").isIntegralNumber()).as("orderId in %s", response).isTrue();
    long orderId = problem.path("orderId").longValue();
    JsonNode order = api().get("/api/orders/" + orderId).json();
    assertOrderShape(order);
    assertThat(order.path("status").stringValue()).isEqualTo("FAILED");
    assertThat(api().get("/api/members/" + member + "/orders").json()).containsExactly(order);
    assertThat(api().get("/api/members/" + member + "/coupons").json().get(0).path("used").booleanValue())
        .as("coupon released").isFalse();
    assertThat(api().post("/api/orders", order(member, CARD_OK, coupon, item(2, 1))).status())
        .as("the released coupon works again").isEqualTo(201);
  }

  static Stream<Arguments> failedPayments() {
    return Stream.of(
        Arguments.of("declined", CARD_DECLINED, 402, "payment-declined"),
        Arguments.of("provider timeout", CARD_SLOW, 504, "payment-timeout"),
        Arguments.of("provider 500", CARD_PROVIDER_ERROR, 502, "payment-provider-error"));
  }

  @Test
  void anUnavailableMenuAnswers422AndLeavesNoOrder() {
    long member = newMemberId();

    problem(api().post("/api/orders", order(member, CARD_OK, null, item(1, 1), item(6, 1))),
        422, "menu-unavailable");
    problem(api().post("/api/orders", order(member, CARD_OK, null, item(999999, 1))),
        422, "menu-unavailable");
    assertThat(api().get("/api/members/" + member + "/orders").json()).isEmpty();
  }

  @Test
  void aUsedCouponAnswers409() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "1.00");
    assertThat(api().post("/api/orders", order(member, CARD_OK, coupon, item(1, 1))).status()).isEqualTo(201);

    problem(api().post("/api/orders", order(member, CARD_OK, coupon, item(1, 1))), 409, "coupon-used");
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  @Test
  void aCouponOfAnotherMemberOrAnUnknownOneAnswers422() {
    long member = newMemberId();
    String foreign = issueCoupon(newMemberId(), "1.00");

    problem(api().post("/api/orders", order(member, CARD_OK, foreign, item(1, 1))), 422, "coupon-invalid");
    problem(api().post("/api/orders", order(member, CARD_OK, uniqueCode(), item(1, 1))), 422,
        "coupon-invalid");
    assertThat(api().get("/api/members/" + member + "/orders").json()).isEmpty();
  }

  @Test
  void oneCouponManyConcurrentOrdersExactlyOneWins() {
    long member = newMemberId();
    String coupon = issueCoupon(member, "1.00");

    List<CompletableFuture<ApiResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(CompletableFuture.supplyAsync(() ->
          api().post("/api/orders", order(member, CARD_OK, coupon, item(1, 1)))));
    }
    List<ApiResponse> responses = calls.stream().map(CompletableFuture::join).toList();

    assertThat(responses.stream().filter(r -> r.status() == 201)).as("%s", responses).hasSize(1);
    responses.stream().filter(r -> r.status() != 201).forEach(r -> problem(r, 409, "coupon-used"));
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("replays")
  void theSameIdempotencyKeyAnswersTheFirstAnswerAgain(String label, String card, int status) {
    long member = newMemberId();
    Map<String, String> key = Map.of("Idempotency-Key", "contract-" + member);
    ApiResponse first = api().post("/api/orders", order(member, card, null, item(5, 2)), key);
    assertThat(first.status()).as("%s", first).isEqualTo(status);

    ApiResponse second = api().post("/api/orders", order(member, card, null, item(5, 2)), key);

    assertThat(second.status()).isEqualTo(first.status());
    assertThat(second.json()).isEqualTo(first.json());
    assertThat(second.header("Location")).isEqualTo(first.header("Location"));
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  static Stream<Arguments> replays() {
    return Stream.of(Arguments.of("paid", CARD_OK, 201), Arguments.of("declined", CARD_DECLINED, 402));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidOrders")
  void anInvalidOrderAnswers400NamingTheField(String label, String field, Consumer<Map<String, Object>> change) {
    Map<String, Object> body = order(newMemberId(), CARD_OK, null, item(1, 1));
    change.accept(body);

    assertValidationProblem(api().post("/api/orders", body), field);
  }

  @SuppressWarnings("unchecked")
  static Stream<Arguments> invalidOrders() {
    return Stream.of(
        invalid("memberId missing", "memberId", body -> body.remove("memberId")),
        invalid("items missing", "items", body -> body.remove("items")),
        invalid("no items", "items", body -> body.put("items", List.of())),
        invalid("21 items", "items", body -> body.put("items", java.util.Collections.nCopies(21, item(1, 1)))),
        invalid("quantity 0", "items[0].quantity", body -> body.put("items", List.of(item(1, 0)))),
        invalid("quantity 100", "items[0].quantity", body -> body.put("items", List.of(item(1, 100)))),
        invalid("card missing", "card", body -> body.remove("card")),
        invalid("card number of 11 digits", "card.number",
            body -> ((Map<String, Object>) body.get("card")).put("number", "41111111111")),
        invalid("card number with letters", "card.number",
            body -> ((Map<String, Object>) body.get("card")).put("number", "4111abcd11111111")),
        invalid("expiry month 13", "card.expiry",
            body -> ((Map<String, Object>) body.get("card")).put("expiry", "13/30")));
  }

  private static Arguments invalid(String label, String field, Consumer<Map<String, Object>> change) {
    return Arguments.of(label, field, change);
  }

  @Test
  void malformedJsonAnswers400WithoutFieldErrors() {
    ApiResponse response = api().send("POST", "/api/orders", "{\"memberId\": 1, ", Map.of());

    assertThat(problem(response, 400, "validation").has("errors")).isFalse();
  }

  @Test
  void anUnknownOrderAnswers404AndAMemberWithoutOrdersAnEmptyList() {
    problem(api().get("/api/orders/999999999999999999"), 404, "not-found");
    ApiResponse none = api().get("/api/members/" + newMemberId() + "/orders");
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.json().isArray()).isTrue();
    assertThat(none.json()).isEmpty();
  }

  private String issueCoupon(long member, String discount) {
    ApiResponse response = api().post("/api/members/" + member + "/coupons",
        Map.of("code", uniqueCode(), "discount", new java.math.BigDecimal(discount)));
    assertThat(response.status()).as("%s", response).isEqualTo(201);
    return response.json().path("code").stringValue();
  }

  private static void assertOrderShape(JsonNode order) {
    assertThat(order.propertyNames()).as("order fields").containsExactlyInAnyOrder("id", "memberId", "status",
        "items", "subtotal", "discount", "total", "couponCode", "cardLast4", "createdAt");
    assertThat(order.path("id").isIntegralNumber()).isTrue();
    assertThat(order.path("total").isNumber()).isTrue();
    assertThat(order.path("createdAt").stringValue("")).matches(UTC_MILLIS);
  }

  /** {@link dev.strangler.contract.Problems#assertProblem} plus the title both apps give the slug. */
  private static JsonNode problem(ApiResponse response, int status, String slug) {
    JsonNode problem = assertProblem(response, status, slug);
    assertThat(problem.path("title").stringValue()).as("title of %s", response).isEqualTo(TITLES.get(slug));
    return problem;
  }
}
