package dev.strangler.paymentstub;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PaymentProviderStubsTests {

  private static WireMockServer server;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    server = PaymentProviderStubs.start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @BeforeEach
  void reset() {
    server.resetAll();
  }

  @Test
  void approvesAnOrdinaryCardWithAChargeId() throws Exception {
    HttpResponse<String> response = charge("4111111111111111", Duration.ofSeconds(5));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(response.body()).contains("\"status\": \"APPROVED\"").containsPattern("\"chargeId\": \"ch_\\w{20}\"")
        .contains("\"amount\": 26.5");
    server.verify(1, postRequestedFor(urlEqualTo(PaymentProviderStubs.CHARGES_PATH)));
  }

  @Test
  void declinesACardEndingIn0002() throws Exception {
    HttpResponse<String> response = charge("4000000000000002", Duration.ofSeconds(5));

    assertThat(response.statusCode()).isEqualTo(402);
    assertThat(response.body()).contains("DECLINED");
  }

  @Test
  void answersACardEndingIn0003TooLateForAShortTimeout() {
    assertThatThrownBy(() -> charge("4000000000000003", Duration.ofMillis(300)))
        .isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void rejectsAChargeWithoutCard() throws Exception {
    HttpResponse<String> response = post("{\"idempotencyKey\": \"k\", \"amount\": 1.00}", Duration.ofSeconds(5));

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  void findsNoChargeForAnIdempotencyKeyByDefault() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create(PaymentProviderStubs.baseUrl(server) + "/v1/charges?idempotencyKey=abc")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(404);
  }

  @Test
  void resetAllRestoresTheShippedMappingsAfterATestAddedItsOwn() throws Exception {
    server.stubFor(WireMock.post(PaymentProviderStubs.CHARGES_PATH).atPriority(0)
        .willReturn(WireMock.serverError()));
    assertThat(charge("4111111111111111", Duration.ofSeconds(5)).statusCode()).isEqualTo(500);

    server.resetAll();

    assertThat(charge("4111111111111111", Duration.ofSeconds(5)).statusCode()).isEqualTo(201);
  }

  private static HttpResponse<String> charge(String cardNumber, Duration timeout) throws Exception {
    return post("""
        {"idempotencyKey": "key-1", "amount": 26.50, "currency": "EUR",
         "card": {"type": "VISA", "number": "%s", "expiry": "12/30"}}
        """.formatted(cardNumber), timeout);
  }

  private static HttpResponse<String> post(String body, Duration timeout) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create(PaymentProviderStubs.baseUrl(server) + PaymentProviderStubs.CHARGES_PATH))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
