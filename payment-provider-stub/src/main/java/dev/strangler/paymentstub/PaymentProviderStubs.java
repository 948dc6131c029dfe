package dev.strangler.paymentstub;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;

/**
 * Starts the payment provider's stand-in: a WireMock server on 127.0.0.1 serving the stub
 * mappings of {@code classpath:payment-provider/mappings/}, the same ones the apps use on their
 * embedded default. Tests start one, point {@code delivery.payment.base-url} at
 * {@link #baseUrl(WireMockServer)}, add their own stubs on top (e.g. a 500) and verify the
 * requests it saw; {@code server.resetAll()} brings back exactly the shipped mappings.
 */
public final class PaymentProviderStubs {

  /** The path of the charge endpoint. */
  public static final String CHARGES_PATH = "/v1/charges";

  /** Test card suffix the provider declines (402). */
  public static final String DECLINED_CARD_SUFFIX = "0002";

  /** Test card suffix the provider answers only after {@link #SLOW_CARD_DELAY_MILLIS}. */
  public static final String SLOW_CARD_SUFFIX = "0003";

  /** How long the provider takes for a card ending {@link #SLOW_CARD_SUFFIX}. */
  public static final int SLOW_CARD_DELAY_MILLIS = 10_000;

  private PaymentProviderStubs() {}

  /**
   * Starts a stub on a free port.
   *
   * @return the started server; stop it when done
   */
  public static WireMockServer start() {
    return start(0);
  }

  /**
   * Starts a stub on the given port.
   *
   * @param port the port, or 0 for a free one
   * @return the started server; stop it when done
   */
  public static WireMockServer start(int port) {
    var options = options()
        .bindAddress("127.0.0.1")
        .mappingSource(new ClasspathStubMappings())
        .notifier(new Slf4jWireMockNotifier())
        .templatingEnabled(true)
        .jettyStopTimeout(0L)
        .maxRequestJournalEntries(1000);
    options = port == 0 ? options.dynamicPort() : options.port(port);
    WireMockServer server = new WireMockServer(options);
    server.start();
    return server;
  }

  /**
   * The base URL an app's {@code delivery.payment.base-url} takes to use this stub.
   *
   * @param server a started stub
   * @return e.g. {@code http://127.0.0.1:41234}
   */
  public static URI baseUrl(WireMockServer server) {
    return URI.create("http://127.0.0.1:" + server.port());
  }
}
