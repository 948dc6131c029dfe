package dev.strangler.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;

/**
 * A small JSON-over-HTTP client for contract tests ({@code java.net.http}), so the contract does
 * not depend on the web stack of the app under test. Thread-safe: concurrency tests may share it.
 */
public final class ApiClient {

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  private final URI baseUri;
  private final Duration timeout;

  /** @param baseUri scheme, host and port of the app, e.g. {@code http://127.0.0.1:8080} */
  public ApiClient(URI baseUri) {
    this(baseUri, Duration.ofSeconds(30));
  }

  /**
   * @param baseUri scheme, host and port of the app
   * @param timeout how long one request may take
   */
  public ApiClient(URI baseUri, Duration timeout) {
    String base = baseUri.toString();
    this.baseUri = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    this.timeout = timeout;
  }

  public URI baseUri() {
    return baseUri;
  }

  /** {@code GET path}. */
  public ApiResponse get(String path) {
    return send("GET", path, null, Map.of());
  }

  /** {@code POST path} with {@code body} (a map, record or list) written as JSON. */
  public ApiResponse post(String path, Object body) {
    return post(path, body, Map.of());
  }

  /** {@code POST path} with a JSON body and extra request headers (e.g. {@code Idempotency-Key}). */
  public ApiResponse post(String path, Object body, Map<String, String> headers) {
    return send("POST", path, Json.write(body), headers);
  }

  /** {@code PUT path} with {@code body} written as JSON. */
  public ApiResponse put(String path, Object body) {
    return send("PUT", path, Json.write(body), Map.of());
  }

  /**
   * Sends a request with a raw body (may be malformed JSON on purpose, or null for none) and
   * {@code Content-Type: application/json} when there is a body.
   */
  public ApiResponse send(String method, String path, String rawBody, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri + path))
        .timeout(timeout)
        .header("Accept", "application/json, application/problem+json")
        .method(method, rawBody == null ? BodyPublishers.noBody() : BodyPublishers.ofString(rawBody));
    if (rawBody != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    try {
      var response = HTTP.send(request.build(), BodyHandlers.ofString());
      return new ApiResponse(method, path, response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + baseUri + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(method + " " + baseUri + path + " interrupted", e);
    }
  }
}
