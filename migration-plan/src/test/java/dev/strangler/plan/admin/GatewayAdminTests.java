package dev.strangler.plan.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayAdminTests {

  @Test
  void aReasonLongerThanTheGatewayKeepsIsCutNotRefused() {
    String report = "strangler run: step extracted: diff " + "x".repeat(2000);
    String audited = GatewayAdmin.audited(report);
    assertThat(audited).hasSize(1000).startsWith("strangler run: step extracted: diff xxx").endsWith("…");
    assertThat(GatewayAdmin.audited("short")).isEqualTo("short");
  }
}
