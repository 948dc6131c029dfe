package dev.strangler.plan.admin;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON over HTTP to an admin API with a bearer token. Turns every failure into an
 * {@link AdminException} that says which API, which call, and what came back.
 */
public class AdminClient {

  private static final JsonMapper json = JsonMapper.builder().build();

  private final String name;
  private final URI baseUrl;
  private final String token;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param name what the API is, for messages ("gateway", "cdc-sync")
   * @param baseUrl the base URL; calls go to {@code baseUrl + path}
   * @param token the bearer token, may be null
   * @param timeout how long one call may take
   */
  public AdminClient(String name, URI baseUrl, String token, Duration timeout) {
    this.name = name;
    this.baseUrl = baseUrl;
    this.token = token;
    this.timeout = timeout;
    // HTTP/1.1: the JDK client's default h2c upgrade attempt stalled against Reactor Netty now and then
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
  }

  public JsonNode get(String path) {
    return send("GET", path, null);
  }

  public JsonNode put(String path, Object body) {
    return send("PUT", path, body);
  }

  public JsonNode post(String path, Object body) {
    return send("POST", path, body);
  }

  private JsonNode send(String method, String path, Object body) {
    URI uri = URI.create(baseUrl.toString().replaceAll("/+$", "") + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Accept", "application/json");
    if (token != null && !token.isBlank()) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new AdminException(AdminException.Kind.UNREACHABLE, name + " admin API is not reachable at " + baseUrl
          + " (" + method + " " + path + "): is it running? Set its URL with the option, the environment or the plan.");
    } catch (HttpTimeoutException e) {
      throw new AdminException(AdminException.Kind.UNREACHABLE, name + " admin API did not answer " + method + " " + path
          + " within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new AdminException(AdminException.Kind.UNREACHABLE, name + " admin API at " + baseUrl + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(AdminException.Kind.UNREACHABLE, "interrupted");
    }
    int status = response.statusCode();
    JsonNode answer = parse(response.body());
    if (status == 401 || status == 403) {
      throw new AdminException(AdminException.Kind.UNAUTHORIZED, name + " admin API refused the token (" + status
          + ") for " + method + " " + path + ": check the " + name + " token");
    }
    if (status >= 400) {
      String detail = answer != null && answer.hasNonNull("detail") ? answer.get("detail").asString()
          : answer != null && answer.hasNonNull("title") ? answer.get("title").asString() : response.body();
      boolean abandoned = status == 409 && answer != null && answer.path("type").asString("").endsWith("/switch-abandoned");
      throw new AdminException(status == 404 ? AdminException.Kind.NOT_FOUND
          : abandoned ? AdminException.Kind.ABANDONED : AdminException.Kind.REJECTED,
          name + " answered " + status + " to " + method + " " + path + ": " + detail);
    }
    return answer;
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return json.readTree(body);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
