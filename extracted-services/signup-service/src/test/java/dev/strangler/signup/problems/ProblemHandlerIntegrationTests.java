package dev.strangler.signup.problems;

import static dev.strangler.contract.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.contract.ApiClient;
import dev.strangler.contract.ApiResponse;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Errors outside the members contract keep the problem shape (as the monolith answers them). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProblemHandlerIntegrationTests {

  @LocalServerPort
  int port;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("signup_problems").registerAsDataSource(registry);
  }

  private ApiClient api() {
    return new ApiClient(URI.create("http://127.0.0.1:" + port));
  }

  @Test
  void nonNumericMemberIdIsAValidationProblem() {
    assertProblem(api().get("/api/members/not-a-number"), 400, "validation");
  }

  @Test
  void unknownPathIsANotFoundProblem() {
    var problem = assertProblem(api().get("/api/nothing-here"), 404, "not-found");

    assertThat(problem.path("detail").stringValue()).as("no framework internals").isEqualTo("Not Found");
  }

  @Test
  void wrongMethodKeepsItsStatusAsAProblem() {
    ApiResponse response = api().send("DELETE", "/api/members/1", null, Map.of());

    assertThat(response.status()).isEqualTo(405);
    assertThat(response.mediaType()).isEqualTo("application/problem+json");
    assertThat(response.json().path("title").stringValue()).isEqualTo("Method Not Allowed");
    assertThat(response.json().path("instance").stringValue()).isEqualTo("/api/members/1");
  }
}
