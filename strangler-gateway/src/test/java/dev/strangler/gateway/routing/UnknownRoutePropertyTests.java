package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strangler.embedded.config.UnknownPropertiesException;
import dev.strangler.gateway.StranglerGatewayApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A misspelt route key stops the real gateway's start-up with one short report, before anything starts. */
@ExtendWith(OutputCaptureExtension.class)
class UnknownRoutePropertyTests {

  @Test
  void stopsStartUpNamingTheMisspeltKeyAndTheKnownOne(CapturedOutput output) {
    assertThatThrownBy(() -> SpringApplication.run(StranglerGatewayApplication.class,
        "--server.port=0", "--management.server.port=0",
        "--strangler.gateway.routes.x.paths[0]=/api/x/**",
        "--strangler.gateway.routes.x.extracted-uri=http://127.0.0.1:8082",
        "--strangler.gateway.routes.x.mdoe=shadow",
        "--strangler.gateway.routes.x.canary.percnet=50"))
        .isInstanceOf(UnknownPropertiesException.class);

    String report = output.getOut().substring(output.getOut().indexOf("APPLICATION FAILED TO START"));
    assertThat(report)
        .contains("strangler.gateway.routes.x.mdoe (property source 'commandLineArgs'): did you mean strangler.gateway.routes.x.mode?")
        .contains("strangler.gateway.routes.x.canary.percnet (property source 'commandLineArgs'): did you mean strangler.gateway.routes.x.canary.percent?")
        .doesNotContain("\tat ");
    // nothing was started: no embedded PostgreSQL, no Netty
    assertThat(output.getOut()).doesNotContain("Embedded PostgreSQL started").doesNotContain("Netty started");
  }
}
