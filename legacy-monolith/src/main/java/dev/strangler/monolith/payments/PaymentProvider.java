package dev.strangler.monolith.payments;

import dev.strangler.paymentstub.PaymentProviderEndpoint;
import java.math.BigDecimal;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * The external payment provider over HTTP ({@code POST {base}/v1/charges}), at the URL and with
 * the timeout of {@link PaymentProviderEndpoint} ({@code delivery.payment.*}). Never throws for
 * what the provider does: every answer, timeout or broken connection becomes a
 * {@link ChargeOutcome}.
 */
@Component
public class PaymentProvider {

  private static final Logger log = LoggerFactory.getLogger(PaymentProvider.class);
  private static final String CURRENCY = "EUR";

  private final RestClient client;

  PaymentProvider(PaymentProviderEndpoint endpoint) {
    HttpClient http = HttpClient.newBuilder()
        .connectTimeout(endpoint.timeout())
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    var requestFactory = new JdkClientHttpRequestFactory(http);
    requestFactory.setReadTimeout(endpoint.timeout());
    this.client = RestClient.builder()
        .baseUrl(endpoint.baseUrl().toString())
        .requestFactory(requestFactory)
        .build();
    log.info("Payment provider at {} (timeout {})", endpoint.baseUrl(), endpoint.timeout());
  }

  /**
   * Charges a card.
   *
   * @param request the charge; its card number leaves this app only towards the provider
   * @return the outcome
   */
  public ChargeOutcome charge(ChargeRequest request) {
    var body = new ChargeBody(request.idempotencyKey(), request.amount(), CURRENCY,
        new CardBody(request.cardType(), request.cardNumber(), request.cardExpiry()));
    try {
      ChargeOutcome outcome = client.post().uri("/v1/charges")
          .contentType(MediaType.APPLICATION_JSON)
          .accept(MediaType.APPLICATION_JSON)
          .body(body)
          .exchange((req, res) -> {
            int status = res.getStatusCode().value();
            if (status == 201 || status == 200) {
              ChargeAnswer answer = res.bodyTo(ChargeAnswer.class);
              if (answer != null && "APPROVED".equals(answer.status()) && answer.chargeId() != null
                  && !answer.chargeId().isBlank()) {
                return new ChargeOutcome.Approved(answer.chargeId());
              }
              return new ChargeOutcome.Failed("unexpected answer to a " + status);
            }
            if (status == 402) {
              ChargeAnswer answer = res.bodyTo(ChargeAnswer.class);
              return new ChargeOutcome.Declined(answer != null && answer.reason() != null
                  ? answer.reason() : "declined");
            }
            return new ChargeOutcome.Failed("provider answered " + status);
          });
      log.info("Charge {} of {} on card ending {}: {}", request.idempotencyKey(), request.amount(),
          request.cardLast4(), outcome);
      return outcome;
    } catch (RuntimeException ex) {
      if (isTimeout(ex)) {
        log.warn("Charge {} on card ending {} timed out", request.idempotencyKey(),
            request.cardLast4());
        return new ChargeOutcome.TimedOut();
      }
      log.warn("Charge {} on card ending {} failed: {}", request.idempotencyKey(),
          request.cardLast4(), ex.toString());
      return new ChargeOutcome.Failed(ex.getClass().getSimpleName());
    }
  }

  private static boolean isTimeout(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  record ChargeBody(String idempotencyKey, BigDecimal amount, String currency, CardBody card) {}

  record CardBody(String type, String number, String expiry) {}

  record ChargeAnswer(String chargeId, String status, String reason) {}
}
