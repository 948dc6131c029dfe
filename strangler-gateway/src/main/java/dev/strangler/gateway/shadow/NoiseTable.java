package dev.strangler.gateway.shadow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shadow noise learned, not configured (Diffy's idea): for a sample of shadowed safe requests
 * the monolith is asked twice; the JSON paths that differ between its two answers are noise of
 * that endpoint (method + normalised path) and are left out when the monolith is compared with
 * the new service. Paths can also be pinned for the whole route. In memory on this replica
 * (lost on restart, relearned from traffic). Thread-safe.
 */
public final class NoiseTable {

  /** Endpoints kept at most per route: beyond it new endpoints are not sampled (memory bound). */
  static final int MAX_ENDPOINTS = 1000;

  private final double sampleRate;
  private final int minSamples;
  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final Map<String, JsonPath> pinned = new ConcurrentHashMap<>();

  NoiseTable(double sampleRate, int minSamples) {
    this.sampleRate = sampleRate;
    this.minSamples = minSamples;
  }

  boolean enabled() {
    return sampleRate > 0 || minSamples > 0;
  }

  /** Whether this request is asked of the monolith twice: always until min-samples, then at the rate. */
  boolean wantsSample(String endpoint) {
    Endpoint e = endpoints.get(endpoint);
    if (e == null) {
      return endpoints.size() < MAX_ENDPOINTS;
    }
    return e.samples.get() < minSamples || ThreadLocalRandom.current().nextDouble() < sampleRate;
  }

  /** Records one sample: the paths in which two monolith answers differed (may be empty). */
  void learn(String endpoint, List<String> paths) {
    Endpoint e = endpoints.computeIfAbsent(endpoint, k -> new Endpoint());
    e.samples.incrementAndGet();
    for (String path : paths) {
      JsonPath compiled;
      try {
        compiled = JsonPath.compile(path);
      } catch (IllegalArgumentException notAPath) {
        continue; // a field name the path syntax cannot spell: left as a mismatch
      }
      e.learned.computeIfAbsent(path, p -> {
        e.compiled.put(p, compiled);
        return new AtomicLong();
      }).incrementAndGet();
    }
  }

  /** The paths to leave out for this endpoint: learned ones and the route's pinned ones. */
  List<JsonPath> ignored(String endpoint) {
    Endpoint e = endpoints.get(endpoint);
    if ((e == null || e.compiled.isEmpty()) && pinned.isEmpty()) {
      return List.of();
    }
    List<JsonPath> out = new ArrayList<>(pinned.values());
    if (e != null) {
      out.addAll(e.compiled.values());
    }
    return out;
  }

  /**
   * Pins a path as noise for every endpoint of the route.
   *
   * @throws IllegalArgumentException when the path does not compile
   */
  public void pin(String path) {
    pinned.put(path, JsonPath.compile(path));
  }

  /** Forgets learned and pinned noise; endpoints are learned again from traffic. */
  public void clear() {
    endpoints.clear();
    pinned.clear();
  }

  /**
   * What is known, for the admin API.
   *
   * @param sampleRate share of shadowed safe requests asked twice once an endpoint has its minimum
   * @param minSamples samples each endpoint gets before sampling drops to the rate
   * @param pinned paths pinned for the whole route
   * @param endpoints per endpoint ({@code GET /api/orders/{}}): samples taken and, per learned
   *     path, in how many samples it differed
   */
  public record View(double sampleRate, int minSamples, List<String> pinned, Map<String, EndpointView> endpoints) {}

  /** @param samples samples taken  @param noise learned path → samples in which it differed */
  public record EndpointView(long samples, Map<String, Long> noise) {}

  public View view() {
    Map<String, EndpointView> out = new TreeMap<>();
    endpoints.forEach((name, e) -> {
      Map<String, Long> noise = new TreeMap<>();
      e.learned.forEach((p, n) -> noise.put(p, n.get()));
      out.put(name, new EndpointView(e.samples.get(), noise));
    });
    return new View(sampleRate, minSamples, pinned.keySet().stream().sorted().toList(), out);
  }

  /**
   * The endpoint of a request: method and path with id-like segments (a digit in them, or longer
   * than 20 characters) replaced by {@code {}}, so {@code /orders/7} and {@code /orders/8} learn together.
   */
  static String endpoint(String method, String path) {
    StringBuilder out = new StringBuilder(method.length() + path.length() + 1).append(method).append(' ');
    int start = 0;
    int n = path.length();
    while (start <= n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      if (start > 0) {
        out.append('/');
      }
      out.append(idLike(path, start, end) ? "{}" : path.substring(start, end));
      start = end + 1;
    }
    return out.toString();
  }

  private static boolean idLike(String path, int from, int to) {
    if (to - from > 20) {
      return true;
    }
    for (int i = from; i < to; i++) {
      if (Character.isDigit(path.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static final class Endpoint {
    final AtomicLong samples = new AtomicLong();
    final Map<String, AtomicLong> learned = new ConcurrentHashMap<>();
    final Map<String, JsonPath> compiled = new ConcurrentHashMap<>();
  }
}
