package dev.strangler.contract.members;

import static dev.strangler.contract.Problems.assertProblem;
import static dev.strangler.contract.Problems.assertValidationProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.contract.ApiContract;
import dev.strangler.contract.ApiResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The "Members (signup)" part of {@code docs/api.md}: {@code POST /api/members} and
 * {@code GET /api/members/{id}}. Runs against the legacy monolith and the signup-service.
 */
public abstract class MembersContract extends ApiContract {

  /** ISO-8601 UTC with exactly millisecond precision, e.g. {@code 2026-11-26T10:15:30.123Z}. */
  private static final String UTC_MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

  private static final String LONG_EMAIL_254 = "a".repeat(64) + "@" + "b".repeat(63) + "."
      + "c".repeat(63) + "." + "d".repeat(57) + ".com";

  @Test
  void signupAnswers201WithLocationAndTheMember() {
    Map<String, Object> request = Signups.valid();
    Instant before = Instant.now();

    ApiResponse response = api().post("/api/members", request);

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.mediaType()).isEqualTo("application/json");
    JsonNode member = response.json();
    assertMemberShape(member);
    long id = member.path("id").longValue();
    assertThat(response.header("Location")).isEqualTo("/api/members/" + id);
    assertThat(member.path("email").stringValue()).isEqualTo(request.get("email"));
    assertThat(member.path("name").stringValue()).isEqualTo(request.get("name"));
    assertThat(member.path("phone").stringValue()).isEqualTo(request.get("phone"));
    assertThat(Instant.parse(member.path("createdAt").stringValue()))
        .isBetween(before.minus(Duration.ofMinutes(5)), Instant.now().plus(Duration.ofMinutes(5)));
  }

  @Test
  void signupAnswersTheEmailTrimmedAndLowerCased() {
    String email = Signups.uniqueEmail();
    ApiResponse response = api().post("/api/members", Signups.valid("  " + email.toUpperCase() + " "));

    assertThat(response.status()).as("%s", response).isEqualTo(201);
    assertThat(response.json().path("email").stringValue()).isEqualTo(email);
  }

  @Test
  void getAnswersTheSameMemberAsSignup() {
    JsonNode created = api().post("/api/members", Signups.valid()).json();

    ApiResponse response = api().get("/api/members/" + created.path("id").longValue());

    assertThat(response.status()).as("%s", response).isEqualTo(200);
    assertThat(response.mediaType()).isEqualTo("application/json");
    assertThat(response.json()).isEqualTo(created);
  }

  @Test
  void getUnknownMemberAnswers404Problem() {
    assertProblem(api().get("/api/members/999999999999999999"), 404, "not-found");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("sameEmailSpellings")
  void signupWithARegisteredEmailAnswers409IgnoringCase(String label, String spelling) {
    String email = Signups.uniqueEmail();
    assertThat(api().post("/api/members", Signups.valid(email)).status()).isEqualTo(201);

    ApiResponse again = api().post("/api/members", Signups.valid(String.format(spelling, email)));

    assertProblem(again, 409, "duplicate-email");
  }

  static Stream<Arguments> sameEmailSpellings() {
    return Stream.of(
        Arguments.of("same", "%s"),
        Arguments.of("upper-case", "%S"),
        Arguments.of("surrounding spaces", " %s  "));
  }

  @Test
  void emptyBodyAnswers400ListingEveryRequiredField() {
    ApiResponse response = api().post("/api/members", Map.of());

    assertValidationProblem(response, "email", "name", "password", "phone");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidSignups")
  void invalidFieldAnswers400NamingIt(String label, String field, Consumer<Map<String, Object>> change) {
    Map<String, Object> request = Signups.valid();
    change.accept(request);

    assertValidationProblem(api().post("/api/members", request), field);
  }

  static Stream<Arguments> invalidSignups() {
    return Stream.of(
        invalid("email missing", "email", body -> body.remove("email")),
        invalid("email null", "email", body -> body.put("email", null)),
        invalid("email not an address", "email", body -> body.put("email", "not-an-email")),
        invalid("email with a space", "email", body -> body.put("email", "two words@example.com")),
        invalid("email of 255 chars", "email", body -> body.put("email", "a" + LONG_EMAIL_254)),
        invalid("password missing", "password", body -> body.remove("password")),
        invalid("password of 7 chars", "password", body -> body.put("password", "1234567")),
        invalid("password of 73 chars", "password", body -> body.put("password", "p".repeat(73))),
        invalid("name missing", "name", body -> body.remove("name")),
        invalid("name empty", "name", body -> body.put("name", "")),
        invalid("name of 101 chars", "name", body -> body.put("name", "n".repeat(101))),
        invalid("phone missing", "phone", body -> body.remove("phone")),
        invalid("phone of 5 chars", "phone", body -> body.put("phone", "12345")),
        invalid("phone of 21 chars", "phone", body -> body.put("phone", "1".repeat(21))),
        invalid("phone with letters", "phone", body -> body.put("phone", "010-CALL-ME")));
  }

  private static Arguments invalid(String label, String field, Consumer<Map<String, Object>> change) {
    return Arguments.of(label, field, change);
  }

  @Test
  void severalInvalidFieldsAreAllListedSortedByField() {
    Map<String, Object> request = Signups.valid();
    request.put("phone", "x");
    request.put("email", "nope");
    request.put("password", "short");

    assertValidationProblem(api().post("/api/members", request), "email", "password", "phone");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"email\": \"a@example.com\", ", "not json at all", "[1, 2"})
  void malformedJsonAnswers400WithoutFieldErrors(String body) {
    ApiResponse response = api().send("POST", "/api/members", body, Map.of());

    JsonNode problem = assertProblem(response, 400, "validation");
    assertThat(problem.has("errors")).as("errors in %s", response).isFalse();
  }

  @Test
  void rejectedSignupLeavesTheEmailFree() {
    Map<String, Object> request = Signups.valid();
    request.put("password", "short");
    assertThat(api().post("/api/members", request).status()).isEqualTo(400);

    request.put("password", "long enough now");
    assertThat(api().post("/api/members", request).status()).isEqualTo(201);
  }

  @Test
  void boundaryValuesAreAccepted() {
    Map<String, Object> longest = Signups.valid(LONG_EMAIL_254.replaceFirst("^a{16}",
        Signups.uniqueEmail().substring(7, 23)));
    longest.put("password", "p".repeat(72));
    longest.put("name", "n".repeat(100));
    longest.put("phone", "+" + "1".repeat(19));
    Map<String, Object> shortest = Signups.valid();
    shortest.put("password", "p".repeat(8));
    shortest.put("name", "N");
    shortest.put("phone", "12-3 4");

    for (Map<String, Object> request : java.util.List.of(longest, shortest)) {
      ApiResponse response = api().post("/api/members", request);
      assertThat(response.status()).as("%s", response).isEqualTo(201);
      assertThat(response.json().path("name").stringValue()).isEqualTo(request.get("name"));
      assertThat(response.json().path("email").stringValue()).isEqualTo(request.get("email"));
    }
  }

  private static void assertMemberShape(JsonNode member) {
    assertThat(member.propertyNames()).as("members carry exactly these fields, never the password")
        .containsExactlyInAnyOrder("id", "email", "name", "phone", "createdAt");
    assertThat(member.path("id").isIntegralNumber()).as("id is a JSON integer: %s", member).isTrue();
    assertThat(member.path("id").longValue()).isPositive();
    assertThat(member.path("email").isString()).isTrue();
    assertThat(member.path("name").isString()).isTrue();
    assertThat(member.path("phone").isString()).isTrue();
    assertThat(member.path("createdAt").stringValue("")).matches(UTC_MILLIS);
  }
}
