package dev.strangler.orders.parity;

import dev.strangler.contract.orders.OrdersContract;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The orders, coupons and menus contract of the delivery API against the order-service: the same
 * requests and assertions the legacy monolith passes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"delivery.payment.timeout=4s", "delivery.recovery.interval=1h"})
class OrderServiceParityTests extends OrdersContract {

  @LocalServerPort
  int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("order_service_parity").registerAsDataSource(registry);
    TestInfrastructure.kafka().registerBootstrapServers(registry);
    registry.add("delivery.payment.base-url", OrdersContract::paymentProviderUrl);
  }

  @Override
  protected URI baseUri() {
    return URI.create("http://127.0.0.1:" + port);
  }
}
