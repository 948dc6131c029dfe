package dev.strangler.orders.payment;

import java.math.BigDecimal;

/** What the payment provider said about a charge. */
public sealed interface ChargeResult {

  /** The card was charged. */
  record Approved(String chargeId, BigDecimal amount) implements ChargeResult {}

  /** The provider declined the card. */
  record Declined(String reason) implements ChargeResult {}

  /** No answer within {@code delivery.payment.timeout}. */
  record TimedOut(String detail) implements ChargeResult {}

  /** A 5xx, an unexpected status, garbage, or no connection. */
  record ProviderError(String detail) implements ChargeResult {}

  /**
   * The call was interrupted (e.g. the process is shutting down): the charge may or may not
   * have been made. Not a failure to compensate; recovery asks the provider later.
   */
  record Interrupted() implements ChargeResult {}

  /** The provider has no charge under the key (lookup only). */
  record NotFound() implements ChargeResult {}
}
