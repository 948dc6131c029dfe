package dev.strangler.orders.payment;

import dev.strangler.orders.DeliveryProperties;
import dev.strangler.paymentstub.PaymentProviderEndpoint;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * HTTP client of the external payment provider ({@code delivery.payment.base-url}). Every
 * charge carries an idempotency key, so asking twice never charges twice. Never call it inside
 * a database transaction: it waits up to {@code delivery.payment.timeout}. Thread-safe.
 */
@Component
public class PaymentProvider {

  private static final Logger log = LoggerFactory.getLogger(PaymentProvider.class);

  private final RestClient http;
  private final JsonMapper json;
  private final String currency;
  private final Duration timeout;

  /**
   * @param endpoint base URL and timeout ({@code delivery.payment.base-url}, {@code .timeout})
   * @param properties the currency
   * @param json the app's JSON mapper
   */
  PaymentProvider(PaymentProviderEndpoint endpoint, DeliveryProperties properties, JsonMapper json) {
    // HTTP/1.1: the JDK client's h2c upgrade attempt gets RST_STREAM/broken pipes from some servers
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(endpoint.timeout()).build();
    JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(client);
    requestFactory.setReadTimeout(endpoint.timeout());
    this.http = RestClient.builder().baseUrl(endpoint.baseUrl().toString()).requestFactory(requestFactory).build();
    this.json = json;
    this.currency = properties.payment().currency();
    this.timeout = endpoint.timeout();
    log.info("Payment provider at {} (timeout {}{})", endpoint.baseUrl(), endpoint.timeout(),
        endpoint.stubbed() ? ", in-process stub" : "");
  }

  /** How long one provider call may take. */
  public Duration timeout() {
    return timeout;
  }

  /** Charges the card; the same key again returns the first charge instead of a new one. */
  public ChargeResult charge(String idempotencyKey, BigDecimal amount, Card card) {
    Map<String, Object> body = Map.of("idempotencyKey", idempotencyKey, "amount", amount,
        "currency", currency,
        "card", Map.of("type", card.type(), "number", card.number(), "expiry", card.expiry()));
    try {
      return http.post().uri("/v1/charges").contentType(MediaType.APPLICATION_JSON).body(body)
          .exchange((request, response) -> chargeAnswer(response.getStatusCode(),
              new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
    } catch (ResourceAccessException e) {
      return ioFailure(idempotencyKey, e);
    }
  }

  /** Asks what became of the charge under this key (crash recovery). */
  public ChargeResult lookup(String idempotencyKey) {
    try {
      return http.get().uri(uri -> uri.path("/v1/charges").queryParam("idempotencyKey", idempotencyKey).build())
          .exchange((request, response) -> {
            if (response.getStatusCode().value() == 404) {
              return new ChargeResult.NotFound();
            }
            return chargeAnswer(response.getStatusCode(),
                new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8));
          });
    } catch (ResourceAccessException e) {
      return ioFailure(idempotencyKey, e);
    }
  }

  private ChargeResult chargeAnswer(HttpStatusCode status, String body) {
    JsonNode answer;
    try {
      answer = json.readTree(body);
    } catch (JacksonException e) {
      return new ChargeResult.ProviderError("unreadable answer with status " + status.value());
    }
    String chargeStatus = answer.path("status").asString("");
    if ((status.value() == 200 || status.value() == 201) && "APPROVED".equals(chargeStatus)
        && answer.hasNonNull("chargeId") && answer.path("amount").isNumber()) {
      return new ChargeResult.Approved(answer.get("chargeId").asString(), answer.get("amount").decimalValue());
    }
    if ((status.value() == 402 || status.value() == 200) && "DECLINED".equals(chargeStatus)) {
      return new ChargeResult.Declined(answer.path("reason").asString("declined"));
    }
    return new ChargeResult.ProviderError("status " + status.value());
  }

  private static ChargeResult ioFailure(String idempotencyKey, ResourceAccessException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
        log.warn("Payment provider call interrupted (key {}): outcome unknown", idempotencyKey);
        return new ChargeResult.Interrupted();
      }
      if (cause instanceof HttpTimeoutException || cause instanceof InterruptedIOException) {
        log.warn("Payment provider did not answer in time (key {})", idempotencyKey);
        return new ChargeResult.TimedOut(cause.getClass().getSimpleName());
      }
    }
    log.warn("Payment provider unreachable (key {}): {}", idempotencyKey, e.getMessage());
    Throwable root = e.getCause() instanceof IOException io ? io : e;
    return new ChargeResult.ProviderError(root.getClass().getSimpleName());
  }
}
