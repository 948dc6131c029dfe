package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Bad route config stops start-up with a message that names the property. */
class RouteConfigurationTests {

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(GatewayProperties.class)
  static class Routes {
    @Bean
    RouteTable routeTable(GatewayProperties properties) {
      return RouteTable.from(properties, JsonMapper.builder().build());
    }

    @Bean
    TesterSide testerSide(GatewayProperties properties) {
      return TesterSide.from(properties);
    }
  }

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
      .withUserConfiguration(Routes.class)
      .withPropertyValues(
          "strangler.gateway.legacy-uri=http://127.0.0.1:8080",
          "strangler.gateway.routes.orders.paths[0]=/api/orders/**",
          "strangler.gateway.routes.orders.extracted-uri=http://127.0.0.1:8082");

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of("strangler.gateway.routes.orders.mode=sideways", "strangler.gateway.routes.orders.mode"),
        Arguments.of("strangler.gateway.routes.orders.canary.percent=150", "strangler.gateway.routes.orders.canary.percent"),
        Arguments.of("strangler.gateway.routes.orders.canary.percent=-1", "strangler.gateway.routes.orders.canary.percent"),
        Arguments.of("strangler.gateway.routes.orders.extracted-uri=not a uri", "strangler.gateway.routes.orders.extracted-uri"),
        Arguments.of("strangler.gateway.routes.orders.extracted-uri=ftp://host", "strangler.gateway.routes.orders.extracted-uri"),
        Arguments.of("strangler.gateway.legacy-uri=localhost:8080", "strangler.gateway.legacy-uri"),
        Arguments.of("strangler.gateway.routes.signup.paths[0]=/api/orders/**", "strangler.gateway.routes.signup.paths[0]"),
        Arguments.of("strangler.gateway.routes.orders.paths[1]=api/no-slash", "strangler.gateway.routes.orders.paths[1]"),
        Arguments.of("strangler.gateway.routes.orders.canary.sticky-key=query:id", "strangler.gateway.routes.orders.canary.sticky-key"),
        Arguments.of("strangler.gateway.routes.orders.canary.sticky-key=path:memberId", "strangler.gateway.routes.orders.canary.sticky-key"),
        Arguments.of("strangler.gateway.routes.orders.shadow.ignore[0]=id", "strangler.gateway.routes.orders.shadow.ignore[0]"),
        Arguments.of("strangler.gateway.routes.orders.auto-rollback.max-error-rate=5", "strangler.gateway.routes.orders.auto-rollback.max-error-rate"),
        Arguments.of("strangler.gateway.routes.orders.sync.admin-url=http://127.0.0.1:9100", "strangler.gateway.routes.orders.sync.pipelines"),
        Arguments.of("strangler.gateway.routes.orders.sync.pipelines[0]=orders-forward", "strangler.gateway.routes.orders.sync.admin-url"),
        Arguments.of("strangler.gateway.routes.orders.switch-timeout=0s", "strangler.gateway.routes.orders.switch-timeout"),
        Arguments.of("strangler.gateway.routes.orders.shadow.ignore-html[0]=input[name=", "strangler.gateway.routes.orders.shadow.ignore-html[0]"),
        Arguments.of("strangler.gateway.routes.orders.shadow.ignore-pattern[0]=(unclosed", "strangler.gateway.routes.orders.shadow.ignore-pattern[0]"),
        Arguments.of("strangler.gateway.routes.orders.shadow.ignore-pattern[0]=x*", "strangler.gateway.routes.orders.shadow.ignore-pattern[0]"),
        Arguments.of("strangler.gateway.routes.orders.shadow.redact-pattern[0]=[0-9", "strangler.gateway.routes.orders.shadow.redact-pattern[0]"),
        Arguments.of("strangler.gateway.routes.orders.shadow.max-value-chars=0", "strangler.gateway.routes.orders.shadow.max-value-chars"),
        Arguments.of("strangler.gateway.routes.orders.shadow.max-sample-chars=-1", "strangler.gateway.routes.orders.shadow.max-sample-chars"),
        Arguments.of("strangler.gateway.routes.orders.reads.methods[0]=GET /x", "strangler.gateway.routes.orders.reads.methods[0]"),
        Arguments.of("strangler.gateway.sticky-cookie.name=no spaces", "strangler.gateway.sticky-cookie.name"),
        Arguments.of("strangler.gateway.sticky-cookie.max-age=-1s", "strangler.gateway.sticky-cookie.max-age"));
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void refusesToStartNamingTheProperty(String setting, String property) {
    String[] extra = setting.startsWith("strangler.gateway.routes.signup")
        ? new String[] {setting, "strangler.gateway.routes.signup.extracted-uri=http://127.0.0.1:8081"}
        : new String[] {setting};
    runner.withPropertyValues(extra).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(property);
    });
  }

  @ParameterizedTest
  @CsvSource({
      "strangler.gateway.testers.cookie=no spaces,               strangler.gateway.testers.cookie",
      "strangler.gateway.testers.token-cookie=strangler-sticky,  strangler.gateway.testers.token-cookie",
      "strangler.gateway.testers.token-cookie=strangler-side,    strangler.gateway.testers.token-cookie",
      "strangler.gateway.testers.token=tester token 0123456789,  strangler.gateway.testers.token"})
  void refusesToStartOnABadTesterSettingNamingTheProperty(String setting, String property) {
    runner.withPropertyValues("strangler.gateway.testers.token=tester-token-0123456789abcdef", setting)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure())).contains(property + ":");
        });
  }

  @Test
  void startsWithTheTesterCookiesByDefault() {
    runner.withPropertyValues("strangler.gateway.testers.token=tester-token-0123456789abcdef")
        .run(context -> assertThat(context.getBean(TesterSide.class).enabled()).isTrue());
  }

  @Test
  void startsWithAValidTable() {
    runner.withPropertyValues("strangler.gateway.routes.orders.paths[1]=/api/members/{memberId}/orders",
            "strangler.gateway.routes.orders.canary.sticky-key=path:memberId",
            "strangler.gateway.routes.orders.mode=canary", "strangler.gateway.routes.orders.canary.percent=5",
            "strangler.gateway.routes.orders.shadow.ignore-html[0]=meta[name=csrf-token]@content",
            "strangler.gateway.routes.orders.shadow.ignore-html[1]=form input[name=_csrf]",
            "strangler.gateway.routes.orders.shadow.ignore-pattern[0]=\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z",
            "strangler.gateway.routes.orders.shadow.max-sample-chars=65536")
        .run(context -> {
          assertThat(context).hasNotFailed();
          RouteTable table = context.getBean(RouteTable.class);
          assertThat(table.route("orders").state().mode()).isEqualTo(Mode.CANARY);
          assertThat(table.route("orders").state().percent()).isEqualTo(5.0);
          assertThat(table.stickyCookie().enabled()).isTrue();
          assertThat(table.stickyCookie().name()).isEqualTo("strangler-sticky");
        });
  }

  private static String messages(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }
}
