package dev.strangler.contract;

import java.net.URI;

/**
 * Base of every contract class of the delivery API ({@code docs/api.md}).
 *
 * <p>A contract class holds the requests and assertions; an app's test subclass only says where
 * the app listens. The same contract therefore runs, unchanged, against the legacy monolith and
 * against the extracted service that takes the route over. For a Spring Boot app:
 *
 * <pre>{@code
 * @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
 * class SignupServiceMembersParityTests extends MembersContract {
 *   @LocalServerPort int port;
 *   @Override protected URI baseUri() { return URI.create("http://127.0.0.1:" + port); }
 * }
 * }</pre>
 *
 * <p>Contract tests make their own data (unique e-mails and codes) and never assume an empty
 * database, so they can share one app and one database per test class.
 */
public abstract class ApiContract {

  private ApiClient api;

  /**
   * Where the app under test listens, e.g. {@code http://127.0.0.1:8080}. Called from test
   * methods (never from constructors), so an injected {@code @LocalServerPort} is available.
   */
  protected abstract URI baseUri();

  /** An HTTP client bound to {@link #baseUri()}. */
  protected final ApiClient api() {
    if (api == null) {
      api = new ApiClient(baseUri());
    }
    return api;
  }
}
