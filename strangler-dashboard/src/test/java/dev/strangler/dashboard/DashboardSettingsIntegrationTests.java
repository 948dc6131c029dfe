package dev.strangler.dashboard;

import static dev.strangler.dashboard.DashboardEndpointsIntegrationTests.TOKEN;
import static dev.strangler.dashboard.DashboardEndpointsIntegrationTests.call;
import static dev.strangler.dashboard.DashboardEndpointsIntegrationTests.managementPort;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** What the dashboard does with missing or wrong settings. */
class DashboardSettingsIntegrationTests {

  @Test
  void withoutSyncSettingsTheProxySaysCdcSyncIsNotConfigured() {
    try (ConfigurableApplicationContext bare = DashboardEndpointsIntegrationTests.run(Map.of())) {
      int port = managementPort(bare);
      HttpResponse<String> response = call(port, "GET", "/admin/sync/pipelines", null, "Bearer " + TOKEN);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(response.body()).contains("cdc-sync not configured");
      assertThat(call(port, "GET", "/admin/dashboard/settings", null, "Bearer " + TOKEN).body())
          .contains("\"syncConfigured\":false");
    }
  }

  @Test
  void startUpFailsNamingThePropertyWhenTheSyncTokenIsMissing() {
    new ApplicationContextRunner().withUserConfiguration(Properties.class)
        .withPropertyValues("strangler.dashboard.sync.admin-url=http://127.0.0.1:9090")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("strangler.dashboard.sync.token must be set"));
  }

  @Test
  void startUpFailsNamingThePropertyWhenTheSyncUrlIsNotAbsolute() {
    new ApplicationContextRunner().withUserConfiguration(Properties.class)
        .withPropertyValues("strangler.dashboard.sync.admin-url=localhost-9090", "strangler.dashboard.sync.token=t")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("strangler.dashboard.sync.admin-url must be an absolute"));
  }

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(DashboardProperties.class)
  static class Properties {}
}
