package dev.strangler.embedded.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import dev.strangler.embedded.PostgresServer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class UnknownPropertiesCheckTests {

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(ExampleProperties.class)
  static class ExampleApp {}

  private static ConfigurableApplicationContext run(String... args) {
    SpringApplication application = new SpringApplication(ExampleApp.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    return application.run(args);
  }

  @ParameterizedTest
  @CsvSource({
      "strangler.example.routes.x.mdoe=shadow, strangler.example.routes.x.mdoe, strangler.example.routes.x.mode",
      "strangler.example.routes.x.canary.percnet=50, strangler.example.routes.x.canary.percnet, strangler.example.routes.x.canary.percent",
      "strangler.example.routes[x].canary.stiky-key=a, strangler.example.routes[x].canary.stiky-key, strangler.example.routes[x].canary.sticky-key",
      "strangler.example.pipelines.p.tables[0].sourec-table=a, strangler.example.pipelines.p.tables[0].sourec-table, strangler.example.pipelines.p.tables[0].source-table",
      "strangler.exmaple.legacy-uri=http://x, strangler.exmaple.legacy-uri, strangler.example.legacy-uri",
      "strangler.example.nested.timout=1s, strangler.example.nested.timout, strangler.example.nested.timeout",
  })
  void stopsStartUpNamingTheUnknownKeyAndTheNearestKnownOne(String argument, String key, String suggestion) {
    UnknownPropertiesException failure = catchThrowableOfType(UnknownPropertiesException.class,
        () -> run("--" + argument));

    assertThat(failure.properties()).singleElement().satisfies(unknown -> {
      assertThat(unknown.name()).isEqualTo(key);
      assertThat(unknown.suggestion()).isEqualTo(suggestion);
      assertThat(unknown.origin()).contains("commandLineArgs");
    });
  }

  @Test
  void namesTheFileAndLineOfAnUnknownKey() {
    UnknownPropertiesException failure = catchThrowableOfType(UnknownPropertiesException.class,
        () -> run("--spring.config.location=classpath:unknown-key.yml"));

    assertThat(failure.properties()).singleElement().satisfies(unknown -> {
      assertThat(unknown.name()).isEqualTo("strangler.example.routes.orders.mdoe");
      assertThat(unknown.origin()).contains("unknown-key.yml").contains("6:");
      assertThat(unknown.suggestion()).isEqualTo("strangler.example.routes.orders.mode");
    });
  }

  @Test
  void reportsEveryUnknownKeyAtOnce() {
    UnknownPropertiesException failure = catchThrowableOfType(UnknownPropertiesException.class,
        () -> run("--strangler.example.routes.x.mdoe=shadow", "--strangler.example.routes.x.canary.percnet=50",
            "--strangler.example.routes.x.paths[0]=/a"));

    assertThat(failure.properties()).extracting(UnknownProperty::name)
        .containsExactly("strangler.example.routes.x.mdoe", "strangler.example.routes.x.canary.percnet");
  }

  @Test
  void startsWithMapsListsBracketsAndRelaxedNames() {
    try (ConfigurableApplicationContext context = run(
        "--strangler.example.legacyUri=http://127.0.0.1:8080",
        "--strangler.example.routes.orders.paths[0]=/api/orders/**",
        "--strangler.example.routes.orders.paths[1]=/api/members/{memberId}/orders",
        "--strangler.example.routes.orders.mode=shadow",
        "--strangler.example.routes[my.route].canary.sticky_key=header:X-Member-Id",
        "--strangler.example.routes.orders.canary.stickyKey=header:X-Member-Id",
        "--strangler.example.routes.orders.canary.percent=50",
        "--strangler.example.pipelines.members-forward.source=legacy",
        "--strangler.example.pipelines.members-forward.tables[0].source-table=public.members",
        "--strangler.example.pipelines.members-forward.tables[0].key=id",
        "--strangler.example.pipelines.members-forward.tables[0].key[1]=email",
        "--strangler.example.pipelines.members-forward.tables[0].columns[full_name]=name",
        "--strangler.example.pipelines.members-forward.tables[0].columns.e_mail=email",
        "--strangler.example.pipelines.members-forward.tables[0].convert[created.at]=timestamp",
        "--strangler.example.nested.timeout=5s",
        "--strangler.example.nested.methods=GET,HEAD",
        "--strangler.sandbox.work=/tmp/work")) {

      ExampleProperties properties = context.getBean(ExampleProperties.class);
      assertThat(properties.routes()).containsKeys("orders", "my.route");
      assertThat(properties.pipelines().get("members-forward").tables().get(0).columns())
          .containsEntry("full_name", "name");
    }
  }

  @Test
  void leavesTheOperatingSystemEnvironmentAlone() {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("test-environment",
        Map.of("STRANGLER_PLAN", "plan.yml", "STRANGLER_GATEWAY_TOKEN", "t", "STRANGLER_EXAMPLE_ROUTES_X_MDOE", "shadow")));
    SpringApplication application = new SpringApplication(ExampleApp.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    application.setEnvironment(environment);

    try (ConfigurableApplicationContext context = application.run()) {
      assertThat(context.isActive()).isTrue();
    }
  }

  @Test
  void failureAnalysisListsEachKeyOnOneLineAndNothingElse() {
    UnknownPropertiesException failure = catchThrowableOfType(UnknownPropertiesException.class,
        () -> run("--strangler.example.routes.x.mdoe=shadow", "--strangler.example.nope=1"));

    FailureAnalysis analysis = new UnknownPropertiesFailureAnalyzer().analyze(failure);

    assertThat(analysis.getDescription()).isEqualTo("""
        Unknown configuration properties (no setting of this app has these names):
          - strangler.example.routes.x.mdoe (property source 'commandLineArgs'): did you mean strangler.example.routes.x.mode?
          - strangler.example.nope (property source 'commandLineArgs'): not a known property""");
    assertThat(analysis.getAction()).isEqualTo("Correct the spelling of each key listed above, or remove it.");
  }

  @Test
  void quietsTheEmbeddedServersLoggersUnlessTheAppSetsThem() {
    try (ConfigurableApplicationContext context = run("--logging.level.io.zonky=DEBUG")) {
      LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

      assertThat(logging.getLoggerConfiguration("kafka").getConfiguredLevel()).isEqualTo(LogLevel.WARN);
      assertThat(logging.getLoggerConfiguration("org.apache.kafka").getConfiguredLevel()).isEqualTo(LogLevel.WARN);
      assertThat(logging.getLoggerConfiguration("io.zonky").getConfiguredLevel()).isEqualTo(LogLevel.DEBUG);
      assertThat(LoggerFactory.getLogger("org.apache.kafka.raft.KafkaRaftClient").isInfoEnabled()).isFalse();
      assertThat(LoggerFactory.getLogger(PostgresServer.class).isInfoEnabled()).isTrue();
    }
  }
}
