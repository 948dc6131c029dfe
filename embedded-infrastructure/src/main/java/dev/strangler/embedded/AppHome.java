package dev.strangler.embedded;

import java.nio.file.Path;
import org.springframework.core.env.Environment;

/** Where an app's embedded servers keep their data by default: {@code ~/.strangler/<app>/<server>}. */
final class AppHome {

  private AppHome() {}

  /**
   * @param environment for {@code spring.application.name} ({@code app} if unset)
   * @param server {@code postgres} or {@code kafka}
   */
  static Path directory(Environment environment, String server) {
    return Path.of(System.getProperty("user.home"), ".strangler",
        environment.getProperty("spring.application.name", "app"), server);
  }
}
