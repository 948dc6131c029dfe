package dev.strangler.paymentstub;

import com.github.tomakehurst.wiremock.common.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes WireMock's messages to the app's SLF4J (the standalone jar shades its own). */
final class Slf4jWireMockNotifier implements Notifier {

  private static final Logger log = LoggerFactory.getLogger("dev.strangler.paymentstub.WireMock");

  @Override
  public void info(String message) {
    log.debug("{}", message);
  }

  @Override
  public void error(String message) {
    log.warn("{}", message);
  }

  @Override
  public void error(String message, Throwable t) {
    log.warn("{}", message, t);
  }
}
