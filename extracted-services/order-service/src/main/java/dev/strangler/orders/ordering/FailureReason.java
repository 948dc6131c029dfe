package dev.strangler.orders.ordering;

import dev.strangler.orders.problems.ApiProblem;
import org.springframework.http.HttpStatus;

/**
 * Why an order FAILED ({@code orders.failure_reason}); decides the answer, also when a retry
 * with the same {@code Idempotency-Key} replays it.
 */
enum FailureReason {
  DECLINED(HttpStatus.PAYMENT_REQUIRED, "payment-declined", "Payment declined",
      "The payment provider declined the card."),
  TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "payment-timeout", "Payment timed out",
      "The payment provider did not answer in time."),
  PROVIDER_ERROR(HttpStatus.BAD_GATEWAY, "payment-provider-error", "Payment provider error",
      "The payment provider could not process the charge."),
  /** The process stopped mid-saga and recovery found no charge: compensated. */
  INTERRUPTED(HttpStatus.BAD_GATEWAY, "payment-provider-error", "Payment provider error",
      "The payment did not complete.");

  private final HttpStatus status;
  private final String slug;
  private final String title;
  private final String detail;

  FailureReason(HttpStatus status, String slug, String title, String detail) {
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.detail = detail;
  }

  ApiProblem problem(long orderId) {
    return new ApiProblem(status, slug, title, detail).with("orderId", orderId);
  }
}
