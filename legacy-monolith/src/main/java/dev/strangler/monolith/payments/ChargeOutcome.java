package dev.strangler.monolith.payments;

/** What the payment provider made of a charge. */
public sealed interface ChargeOutcome {

  /** @return a short explanation for the payment history */
  String detail();

  /** @param chargeId the provider's id of the charge */
  record Approved(String chargeId) implements ChargeOutcome {
    @Override
    public String detail() {
      return chargeId;
    }
  }

  /** @param reason the provider's reason, e.g. {@code card_declined} */
  record Declined(String reason) implements ChargeOutcome {
    @Override
    public String detail() {
      return reason;
    }
  }

  /** The provider did not answer within {@code delivery.payment.timeout}. */
  record TimedOut() implements ChargeOutcome {
    @Override
    public String detail() {
      return "no answer within the timeout";
    }
  }

  /** @param detail what went wrong: a 5xx, an unexpected answer, no connection */
  record Failed(String detail) implements ChargeOutcome {}
}
