package dev.strangler.paymentstub;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class PaymentProviderAutoConfigurationTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(PaymentProviderAutoConfiguration.class));

  @Test
  void startsTheStubAndPointsTheEndpointAtItWhenNoBaseUrlIsSet() {
    runner.run(context -> {
      PaymentProviderEndpoint endpoint = context.getBean(PaymentProviderEndpoint.class);
      assertThat(endpoint.stubbed()).isTrue();
      assertThat(endpoint.timeout()).isEqualTo(Duration.ofSeconds(3));
      assertThat(context).hasSingleBean(WireMockServer.class);

      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + "/v1/charges?idempotencyKey=x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(404);
    });
  }

  @Test
  void startsNothingWhenABaseUrlIsSet() {
    runner.withPropertyValues("delivery.payment.base-url=https://pay.example.com/",
            "delivery.payment.timeout=750ms")
        .run(context -> {
          assertThat(context).doesNotHaveBean(WireMockServer.class);
          assertThat(context.getBean(PaymentProviderEndpoint.class))
              .isEqualTo(new PaymentProviderEndpoint(URI.create("https://pay.example.com"),
                  Duration.ofMillis(750), false));
        });
  }

  @Test
  void keepsAnEndpointTheAppDefinesItself() {
    var own = new PaymentProviderEndpoint(URI.create("http://127.0.0.1:1"), Duration.ofSeconds(1), false);
    runner.withBean(PaymentProviderEndpoint.class, () -> own)
        .run(context -> {
          assertThat(context).doesNotHaveBean(WireMockServer.class);
          assertThat(context.getBean(PaymentProviderEndpoint.class)).isSameAs(own);
        });
  }

  @Test
  void failsNamingThePropertyWhenTheBaseUrlIsNotHttp() {
    runner.withPropertyValues("delivery.payment.base-url=ftp://pay.example.com")
        .run(context -> assertThat(context).getFailure()
            .rootCause().hasMessageContaining("delivery.payment.base-url"));
  }

  @Test
  void failsNamingThePropertyWhenTheStubIsDisabledAndNoBaseUrlIsSet() {
    runner.withPropertyValues("delivery.payment.stub.enabled=false")
        .run(context -> assertThat(context).getFailure()
            .rootCause().hasMessageContaining("delivery.payment.base-url"));
  }

  @Test
  void failsNamingThePropertyWhenTheTimeoutIsNotPositive() {
    runner.withPropertyValues("delivery.payment.timeout=0s")
        .run(context -> assertThat(context).getFailure()
            .rootCause().hasMessageContaining("delivery.payment.timeout"));
  }
}
