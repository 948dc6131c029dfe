package dev.strangler.contract.members;

import dev.strangler.contract.ApiClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Signup request bodies for contract tests, each with an e-mail no other test uses. */
public final class Signups {

  private Signups() {}

  /** A unique e-mail, lower-case, e.g. {@code member-1a2b3c4d5e6f@example.com}. */
  public static String uniqueEmail() {
    return "member-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16) + "@example.com";
  }

  /** A valid signup body (mutable, keys in API order) with a unique e-mail. */
  public static Map<String, Object> valid() {
    return valid(uniqueEmail());
  }

  /** A valid signup body with the given e-mail. */
  public static Map<String, Object> valid(String email) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("email", email);
    body.put("password", "correct horse battery");
    body.put("name", "Kim Minji");
    body.put("phone", "+82 10-1234-5678");
    return body;
  }

  /** Signs up a new member and answers its id; for contracts that need a member. */
  public static long signUp(ApiClient api) {
    var response = api.post("/api/members", valid());
    if (response.status() != 201) {
      throw new AssertionError("Signup failed: " + response);
    }
    return response.json().path("id").longValue();
  }
}
