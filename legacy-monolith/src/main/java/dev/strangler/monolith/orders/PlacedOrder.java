package dev.strangler.monolith.orders;

/**
 * An order after its one transaction.
 *
 * @param order the order as stored
 * @param failure why it failed, or null when paid
 */
record PlacedOrder(OrderView order, FailureReason failure) {}
