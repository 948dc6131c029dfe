package dev.strangler.contract.orders;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Request bodies of the orders route for contract tests, each with data no other test uses. */
public final class OrderRequests {

  /** Approved by the provider stub. */
  public static final String CARD_OK = "4111111111111111";
  /** Declined by the provider stub (number ends {@code 0002}). */
  public static final String CARD_DECLINED = "4000000000000002";
  /** Answered by the provider stub only after 10 s (number ends {@code 0003}). */
  public static final String CARD_SLOW = "4000000000000003";
  /** Answered with a 500 by the contract's provider (number ends {@code 0500}). */
  public static final String CARD_PROVIDER_ERROR = "4000000000000500";

  private OrderRequests() {}

  /** A member id no other test uses (members are not checked by the orders route). */
  public static long newMemberId() {
    return ThreadLocalRandom.current().nextLong(1_000_000L, 900_000_000_000L);
  }

  /** A coupon code no other test uses. */
  public static String uniqueCode() {
    return "C" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
  }

  /** An order body (mutable, keys in API order); {@code couponCode} null leaves it out. */
  @SafeVarargs
  public static Map<String, Object> order(long memberId, String cardNumber, String couponCode,
      Map<String, Object>... items) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("memberId", memberId);
    body.put("items", List.of(items));
    if (couponCode != null) {
      body.put("couponCode", couponCode);
    }
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("type", "VISA");
    card.put("number", cardNumber);
    card.put("expiry", "12/30");
    body.put("card", card);
    return body;
  }

  /** One order line. */
  public static Map<String, Object> item(long menuId, int quantity) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("menuId", menuId);
    line.put("quantity", quantity);
    return line;
  }
}
