package dev.strangler.monolith.parity;

import dev.strangler.contract.members.MembersContract;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The members contract of the delivery API against the monolith, on real PostgreSQL: the same
 * requests and assertions the signup-service passes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // Signup never charges: a dummy provider URL keeps the payment stub from starting.
    properties = "delivery.payment.base-url=http://127.0.0.1:9/unused")
class LegacyMonolithMembersParityTests extends MembersContract {

  @LocalServerPort
  int port;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("monolith_members_parity").registerAsDataSource(registry);
  }

  @Override
  protected URI baseUri() {
    return URI.create("http://127.0.0.1:" + port);
  }
}
