package dev.strangler.monolith;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.paymentstub.PaymentProviderEndpoint;
import dev.strangler.testkit.TestInfrastructure;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SignupIntegrationTests {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("monolith_signup").registerAsDataSource(registry);
  }

  @LocalServerPort
  int port;

  @Autowired
  JdbcClient jdbc;

  @Autowired
  ApplicationContext context;

  Api api;

  @BeforeEach
  void client() {
    api = new Api(port);
  }

  @Test
  void startsThePaymentProviderStubWhenNoProviderUrlIsConfigured() {
    PaymentProviderEndpoint endpoint = context.getBean(PaymentProviderEndpoint.class);

    assertThat(endpoint.stubbed()).isTrue();
    assertThat(endpoint.baseUrl().toString())
        .isEqualTo("http://127.0.0.1:" + context.getBean(WireMockServer.class).port());
  }

  @Test
  void signsUpWithANormalisedEmailAndAHashedPassword() {
    var response = api.post("/api/members", """
        {"email": "  Grace.Hopper@Example.COM ", "password": "cobol-1959", "name": "Grace Hopper",
         "phone": "+1 555-0100"}""");

    assertThat(response.status()).as(response.toString()).isEqualTo(201);
    JsonNode body = response.json();
    long id = body.get("id").asLong();
    assertThat(response.location()).isEqualTo("/api/members/" + id);
    assertThat(body.get("email").asString()).isEqualTo("grace.hopper@example.com");
    assertThat(body.get("name").asString()).isEqualTo("Grace Hopper");
    assertThat(body.get("phone").asString()).isEqualTo("+1 555-0100");
    assertThat(body.get("createdAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(body.has("password")).isFalse();
    assertThat(body.has("passwordHash")).isFalse();

    String hash = jdbc.sql("SELECT password_hash FROM members WHERE id = :id").param("id", id)
        .query(String.class).single();
    assertThat(hash).startsWith("$2").doesNotContain("cobol-1959");
    assertThat(api.get("/api/members/" + id).body()).isEqualTo(response.body());
  }

  @Test
  void rejectsAnEmailAlreadyRegisteredInAnotherCase() {
    assertThat(api.post("/api/members", signup("ada@lovelace.org")).status()).isEqualTo(201);

    var duplicate = api.post("/api/members", signup("ADA@Lovelace.ORG"));

    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(duplicate.contentType()).startsWith("application/problem+json");
    assertThat(duplicate.json().get("type").asString())
        .isEqualTo("https://strangler.dev/problems/duplicate-email");
    assertThat(jdbc.sql("SELECT count(*) FROM members WHERE lower(email) = 'ada@lovelace.org'")
        .query(Long.class).single()).isEqualTo(1);
  }

  @Test
  void listsEveryInvalidFieldSortedByField() {
    var response = api.post("/api/members", """
        {"email": "not-an-email", "password": "short", "name": "", "phone": "call me"}""");

    assertThat(response.status()).isEqualTo(400);
    JsonNode body = response.json();
    assertThat(body.get("type").asString()).isEqualTo("https://strangler.dev/problems/validation");
    assertThat(body.get("instance").asString()).isEqualTo("/api/members");
    assertThat(body.get("errors").valueStream().map(e -> e.get("field").asString()))
        .containsExactly("email", "name", "password", "phone");
    assertThat(body.get("errors").valueStream().map(e -> e.get("message").asString()))
        .allSatisfy(message -> assertThat(message).isNotBlank());
  }

  @Test
  void answersMissingFieldsAs400() {
    var response = api.post("/api/members", "{}");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().get("errors").valueStream().map(e -> e.get("field").asString()))
        .containsExactly("email", "name", "password", "phone");
  }

  @Test
  void answersMalformedJsonAs400WithoutFieldErrors() {
    var response = api.post("/api/members", "{\"email\": ");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().get("type").asString())
        .isEqualTo("https://strangler.dev/problems/validation");
    assertThat(response.json().has("errors")).isFalse();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("at dev.");
  }

  @Test
  void answersAnUnknownMemberAs404() {
    var response = api.get("/api/members/987654");

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json().get("type").asString())
        .isEqualTo("https://strangler.dev/problems/not-found");
    assertThat(response.json().get("instance").asString()).isEqualTo("/api/members/987654");
  }

  private static String signup(String email) {
    return """
        {"email": "%s", "password": "analytical", "name": "Ada", "phone": "020 7946 0000"}"""
        .formatted(email);
  }
}
