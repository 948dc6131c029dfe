package dev.strangler.monolith.orders;

import dev.strangler.monolith.payments.PaymentRecords.Event;
import dev.strangler.monolith.problems.ApiProblem;
import java.util.Map;
import org.springframework.http.HttpStatus;

/** Why an order is {@code FAILED} ({@code orders.failure_reason}) and how that is answered. */
enum FailureReason {
  DECLINED(HttpStatus.PAYMENT_REQUIRED, "payment-declined", "Payment declined",
      "The payment provider declined the card.", Event.CHARGE_DECLINED),
  TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "payment-timeout", "Payment timed out",
      "The payment provider did not answer in time.", Event.CHARGE_TIMEOUT),
  PROVIDER_ERROR(HttpStatus.BAD_GATEWAY, "payment-provider-error", "Payment provider error",
      "The payment provider could not process the charge.", Event.CHARGE_ERROR);

  private final HttpStatus status;
  private final String slug;
  private final String title;
  private final String detail;
  private final Event event;

  FailureReason(HttpStatus status, String slug, String title, String detail, Event event) {
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.detail = detail;
    this.event = event;
  }

  Event event() {
    return event;
  }

  /** @param orderId the failed order  @return the answer, the same every time it is asked */
  ApiProblem problem(long orderId) {
    return new ApiProblem(status, slug, title, detail, Map.of("orderId", orderId));
  }
}
