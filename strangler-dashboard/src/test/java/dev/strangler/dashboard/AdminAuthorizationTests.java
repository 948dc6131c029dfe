package dev.strangler.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Outside the gateway (no {@link DashboardHost}) the dashboard compares with the token property;
 * the gateway as host is used by the browser test in strangler-gateway.
 */
class AdminAuthorizationTests {

  @Test
  void acceptsOnlyTheBearerTokenFromTheProperty() {
    AdminAuthorization auth = AdminAuthorization.resolve(null, new GatewayAdminToken("a-long-enough-test-token"));
    assertThat(auth.accepts("Bearer a-long-enough-test-token")).isTrue();
    assertThat(auth.accepts("  Bearer a-long-enough-test-token ")).isTrue();
    assertThat(auth.accepts("Bearer a-long-enough-test-token2")).isFalse();
    assertThat(auth.accepts("a-long-enough-test-token")).isFalse();
    assertThat(auth.accepts(null)).isFalse();
  }

  @Test
  void refusesEverythingWithoutAnyToken() {
    AdminAuthorization auth = AdminAuthorization.resolve(null, new GatewayAdminToken(null));
    assertThat(auth.accepts("Bearer ")).isFalse();
    assertThat(auth.accepts("Bearer null")).isFalse();
    assertThat(auth.accepts(null)).isFalse();
  }

  @Test
  void logLinesCannotBeForgedThroughTheReason() {
    assertThat(SyncProxy.oneLine("ok\n2026-11-26 INFO forged")).doesNotContain("\n");
  }
}
