package dev.strangler.embedded.config;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Sets the in-process Kafka broker's and embedded PostgreSQL's loggers (and Kafka's clients') to
 * WARN, so that an app's start-up log is its own: their INFO lines run to hundreds. The levels are
 * the last property source, so any {@code logging.level.*} an app or its user sets wins, e.g.
 * {@code logging.level.org.apache.kafka=INFO}. The one-line INFO messages of
 * {@code dev.strangler.embedded} (where each server started, its data directory) stay.
 */
public class QuietInfrastructureLogging implements EnvironmentPostProcessor, Ordered {

  static final String SOURCE = "strangler-embedded-logging";

  static final Map<String, Object> LEVELS = Map.of(
      "logging.level.kafka", "WARN",
      "logging.level.state.change.logger", "WARN",
      "logging.level.org.apache.kafka", "WARN",
      "logging.level.io.zonky", "WARN");

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (!environment.getPropertySources().contains(SOURCE)) {
      environment.getPropertySources().addLast(new MapPropertySource(SOURCE, LEVELS));
    }
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
