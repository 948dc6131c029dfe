package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TesterSideTests {

  @Test
  void isOffWithoutAToken() {
    assertThat(TesterSide.from(new GatewayProperties.Testers(null, "X-Strangler-Side", "X-Strangler-Tester-Token"),
        "admin-token-0123456789").enabled()).isFalse();
  }

  @Test
  void refusesAShortTokenNamingTheProperty() {
    assertThatThrownBy(() -> TesterSide.from(new GatewayProperties.Testers("short", "X-Strangler-Side",
        "X-Strangler-Tester-Token"), null)).hasMessageContaining("strangler.gateway.testers.token");
  }

  @Test
  void refusesTheAdminTokenAsTesterToken() {
    assertThatThrownBy(() -> TesterSide.from(new GatewayProperties.Testers("admin-token-0123456789",
        "X-Strangler-Side", "X-Strangler-Tester-Token"), "admin-token-0123456789"))
        .hasMessageContaining("strangler.gateway.admin.token");
  }
}
