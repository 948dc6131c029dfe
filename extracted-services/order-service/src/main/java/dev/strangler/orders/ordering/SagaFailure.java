package dev.strangler.orders.ordering;

import dev.strangler.orders.problems.ApiProblem;

/**
 * A definite failure of a saga step, which compensates the steps before it. Either the order
 * is rejected before any charge (menu, coupon: the draft order is discarded, as if it never
 * was) or the charge failed (the order ends FAILED with a reason).
 */
final class SagaFailure extends RuntimeException {

  private final ApiProblem rejection;
  private final FailureReason reason;

  private SagaFailure(ApiProblem rejection, FailureReason reason, String message) {
    super(message, null, false, false);
    this.rejection = rejection;
    this.reason = reason;
  }

  static SagaFailure rejected(ApiProblem rejection) {
    return new SagaFailure(rejection, null, rejection.getMessage());
  }

  static SagaFailure chargeFailed(FailureReason reason) {
    return new SagaFailure(null, reason, reason.name());
  }

  boolean isRejection() {
    return rejection != null;
  }

  ApiProblem rejection() {
    return rejection;
  }

  FailureReason reason() {
    return reason;
  }
}
