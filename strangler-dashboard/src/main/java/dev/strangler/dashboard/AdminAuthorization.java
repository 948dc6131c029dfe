package dev.strangler.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an {@code Authorization} header carries the gateway's admin token. It asks the hosting
 * gateway ({@link DashboardHost}), so a token kept in the gateway's token file works too. Without
 * a host (the dashboard embedded in some other app) it compares with
 * {@code strangler.gateway.admin.token}; with neither, every call is refused.
 */
final class AdminAuthorization {

  private static final Logger log = LoggerFactory.getLogger(AdminAuthorization.class);

  private final Predicate<String> check;

  private AdminAuthorization(Predicate<String> check) {
    this.check = check;
  }

  /**
   * Finds the check to use.
   *
   * @param host the hosting gateway, or null
   * @param property the token property, used without a host
   */
  static AdminAuthorization resolve(DashboardHost host, GatewayAdminToken property) {
    if (host != null) {
      return new AdminAuthorization(host::acceptsAdminToken);
    }
    if (property.token() == null || property.token().isBlank()) {
      log.warn("Dashboard: no admin token (strangler.gateway.admin.token): every dashboard API call is refused");
      return new AdminAuthorization(header -> false);
    }
    byte[] expected = ("Bearer " + property.token().trim()).getBytes(StandardCharsets.UTF_8);
    return new AdminAuthorization(header -> header != null
        && MessageDigest.isEqual(expected, header.trim().getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether the {@code Authorization} header value (may be null) is the admin token. */
  boolean accepts(String authorization) {
    return check.test(authorization);
  }
}
