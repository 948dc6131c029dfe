package dev.strangler.orders.ordering;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.strangler.contract.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.contract.ApiResponse;
import dev.strangler.orders.OrderServiceIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class OrderConcurrencyIntegrationTests extends OrderServiceIntegrationTest {

  @Test
  void oneCouponManyConcurrentOrdersExactlyOneWins() throws Exception {
    long member = newMemberId();
    String coupon = issueCoupon(member, "4.00");
    int orders = 8;
    List<String> cards = new ArrayList<>();
    for (int i = 0; i < orders; i++) {
      cards.add(uniqueCard("1111"));
    }

    List<ApiResponse> responses = all(orders, i -> api().post("/api/orders",
        order(member, cards.get(i), coupon, item(1, 1))));

    List<ApiResponse> won = responses.stream().filter(r -> r.status() == 201).toList();
    assertThat(won).as("%s", responses).hasSize(1);
    responses.stream().filter(r -> r.status() != 201).forEach(r -> assertProblem(r, 409, "coupon-used"));
    long winner = won.get(0).json().path("id").longValue();
    assertThat(coupon(coupon)).containsEntry("used", true).containsEntry("order_id", winner);
    assertThat(cards.stream().mapToInt(OrderServiceIntegrationTest::chargesFor).sum()).isEqualTo(1);
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  @Test
  void sameIdempotencyKeyTwiceAtOnceChargesOnceAndAnswersTheSame() throws Exception {
    // the provider takes a while, so the second request arrives while the first is charging
    String card = uniqueCard("8008");
    provider.stubFor(post(urlEqualTo("/v1/charges")).atPriority(0)
        .withRequestBody(matchingJsonPath("$.card.number", equalTo(card)))
        .willReturn(aResponse().withStatus(201).withFixedDelay(500).withHeader("Content-Type", "application/json")
            .withBody("{\"chargeId\": \"ch_once\", \"status\": \"APPROVED\", \"amount\": 22.00}")));
    long member = newMemberId();
    Map<String, String> key = Map.of("Idempotency-Key", "twice-" + member);

    List<ApiResponse> responses = all(4, i -> api().post("/api/orders", order(member, card, null, item(5, 2)), key));

    assertThat(responses).allSatisfy(r -> assertThat(r.status()).as("%s", r).isEqualTo(201));
    assertThat(responses.stream().map(ApiResponse::body).distinct()).hasSize(1);
    assertThat(chargesFor(card)).isEqualTo(1);
    assertThat(api().get("/api/members/" + member + "/orders").json()).hasSize(1);
  }

  private interface Call {
    ApiResponse call(int index);
  }

  /** Runs the calls at the same moment and answers their responses in order. */
  private static List<ApiResponse> all(int count, Call call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<ApiResponse>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        Callable<ApiResponse> task = () -> {
          start.await();
          return call.call(index);
        };
        futures.add(pool.submit(task));
      }
      start.countDown();
      List<ApiResponse> responses = new ArrayList<>();
      for (Future<ApiResponse> future : futures) {
        responses.add(future.get());
      }
      return responses;
    } finally {
      pool.shutdownNow();
    }
  }
}
