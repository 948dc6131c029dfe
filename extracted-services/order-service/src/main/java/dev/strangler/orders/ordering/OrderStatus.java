package dev.strangler.orders.ordering;

/** The saga's states, persisted after each step; clients only ever see PAID or FAILED. */
enum OrderStatus {
  PENDING, PRICED, COUPON_RESERVED, CHARGING, PAID, FAILED;

  boolean isFinal() {
    return this == PAID || this == FAILED;
  }
}
