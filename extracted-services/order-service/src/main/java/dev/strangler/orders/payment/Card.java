package dev.strangler.orders.payment;

/**
 * A card as the client sends it. Only {@link #last4()} may be stored or logged.
 *
 * @param type e.g. {@code VISA}
 * @param number 12–19 digits
 * @param expiry {@code MM/YY}
 */
public record Card(String type, String number, String expiry) {

  public String last4() {
    return number.substring(number.length() - 4);
  }

  @Override
  public String toString() {
    return "Card[" + type + " ****" + last4() + "]";
  }
}
