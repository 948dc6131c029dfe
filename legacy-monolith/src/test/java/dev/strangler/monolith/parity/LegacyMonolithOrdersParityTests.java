package dev.strangler.monolith.parity;

import dev.strangler.contract.orders.OrdersContract;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The orders, coupons and menus contract of the delivery API against the monolith, on real
 * PostgreSQL and the contract's payment provider: the same requests and assertions the
 * order-service passes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "delivery.payment.timeout=4s")
class LegacyMonolithOrdersParityTests extends OrdersContract {

  @LocalServerPort
  int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("monolith_orders_parity").registerAsDataSource(registry);
    registry.add("delivery.payment.base-url", OrdersContract::paymentProviderUrl);
  }

  @Override
  protected URI baseUri() {
    return URI.create("http://127.0.0.1:" + port);
  }
}
