package dev.strangler.gateway.shadow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * One route's shadow settings, compiled, with its bounded copy slots, counters and recent
 * mismatches. Thread-safe.
 */
public final class ShadowPolicy {

  private final Set<String> methods;
  private final ResponseComparator comparator;
  private final Semaphore slots;
  private final Duration timeout;
  private final int maxBodyBytes;
  private final int sampleCapacity;
  private final Deque<MismatchSample> samples = new ArrayDeque<>();
  private final LongAdder matched = new LongAdder();
  private final LongAdder mismatched = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final NoiseTable noise;

  private ShadowPolicy(Set<String> methods, ResponseComparator comparator, int maxConcurrent,
      Duration timeout, int maxBodyBytes, int sampleCapacity, NoiseTable noise) {
    this.noise = noise;
    this.methods = methods;
    this.comparator = comparator;
    this.slots = new Semaphore(maxConcurrent);
    this.timeout = timeout;
    this.maxBodyBytes = maxBodyBytes;
    this.sampleCapacity = sampleCapacity;
  }

  /**
   * Compiles a route's shadow settings.
   *
   * @param shadow the bound settings
   * @param property the property prefix, e.g. {@code strangler.gateway.routes.orders.shadow},
   *     used in error messages
   * @param mapper the JSON mapper used to parse bodies
   * @throws IllegalArgumentException whose message starts with the full name of the bad
   *     property (a JSON path, CSS selector or regular expression that does not compile, a size
   *     out of range), then {@code ": "} and the problem
   */
  public static ShadowPolicy compile(ShadowProperties shadow, String property, JsonMapper mapper) {
    if (shadow.maxSampleChars() < 0) {
      throw new IllegalArgumentException(property + ".max-sample-chars: must be 0 (bodies not kept) or more");
    }
    ShadowProperties.Noise learning = shadow.noise();
    if (learning.sampleRate() < 0 || learning.sampleRate() > 1) {
      throw new IllegalArgumentException(property + ".noise.sample-rate: must be between 0 and 1");
    }
    if (shadow.maxValueChars() < 1) {
      throw new IllegalArgumentException(property + ".max-value-chars: must be 1 or more");
    }
    List<HtmlIgnore> ignoreHtml = new ArrayList<>();
    for (int i = 0; i < shadow.ignoreHtml().size(); i++) {
      try {
        ignoreHtml.add(HtmlIgnore.compile(shadow.ignoreHtml().get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(property + ".ignore-html[" + i + "]: " + e.getMessage(), e);
      }
    }
    ResponseComparator.Rules rules = new ResponseComparator.Rules(
        paths(shadow.ignore(), property + ".ignore"),
        paths(shadow.unordered(), property + ".unordered"),
        paths(shadow.redact(), property + ".redact"),
        ignoreHtml,
        patterns(shadow.ignorePattern(), property + ".ignore-pattern"),
        patterns(shadow.redactPattern(), property + ".redact-pattern"),
        shadow.maxSampleChars(), shadow.maxValueChars());
    return new ShadowPolicy(
        shadow.methods().stream().map(m -> m.trim().toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet()),
        new ResponseComparator(mapper, rules),
        shadow.maxConcurrent(), shadow.timeout(), shadow.maxBodyBytes(), shadow.samples(),
        new NoiseTable(learning.sampleRate(), learning.minSamples()));
  }

  private static List<JsonPath> paths(List<String> expressions, String property) {
    List<JsonPath> out = new ArrayList<>();
    for (int i = 0; i < expressions.size(); i++) {
      try {
        out.add(JsonPath.compile(expressions.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(property + "[" + i + "]: " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static List<Pattern> patterns(List<String> expressions, String property) {
    List<Pattern> out = new ArrayList<>();
    for (int i = 0; i < expressions.size(); i++) {
      String expression = expressions.get(i);
      Pattern pattern;
      try {
        pattern = Pattern.compile(expression == null ? "" : expression);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(property + "[" + i + "]: '" + expression
            + "' is not a regular expression: " + e.getDescription() + " near index " + e.getIndex(), e);
      }
      if (pattern.matcher("").matches()) {
        throw new IllegalArgumentException(property + "[" + i + "]: '" + expression
            + "' matches the empty string, so it would match between every two characters");
      }
      out.add(pattern);
    }
    return out;
  }

  /** Whether requests with this method are copied. */
  public boolean copies(String method) {
    return methods.contains(method);
  }

  boolean tryAcquire() {
    if (slots.tryAcquire()) {
      return true;
    }
    dropped.increment();
    return false;
  }

  void release() {
    slots.release();
  }

  Duration timeout() {
    return timeout;
  }

  int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** The route's learned and pinned noise. */
  public NoiseTable noise() {
    return noise;
  }

  /** Whether this request should also be asked of the monolith a second time (safe methods only). */
  boolean samplesNoise(String method, String endpoint) {
    return noise.enabled() && (method.equals("GET") || method.equals("HEAD")) && noise.wantsSample(endpoint);
  }

  /**
   * Compares the monolith's answer with the new service's, leaving out the endpoint's noise.
   *
   * @param legacyAgain a second answer of the monolith to the same request, or null: the paths in
   *     which it differs from the first are learned as noise first
   */
  void record(String method, String path, CapturedResponse legacy, CapturedResponse candidate,
      CapturedResponse legacyAgain) {
    String endpoint = NoiseTable.endpoint(method, path);
    if (legacyAgain != null) {
      noise.learn(endpoint, ResponseComparator.differingPaths(comparator.compare(legacy, legacyAgain)));
    }
    ResponseComparator.Comparison comparison = comparator.compare(legacy, candidate, noise.ignored(endpoint));
    if (comparison.matched()) {
      matched.increment();
      return;
    }
    mismatched.increment();
    if (sampleCapacity == 0) {
      return;
    }
    MismatchSample sample = new MismatchSample(Instant.now(), method, path, legacy.status(),
        candidate.status(), comparison.differences(), comparator.sample(legacy), comparator.sample(candidate));
    synchronized (samples) {
      if (samples.size() == sampleCapacity) {
        samples.removeFirst();
      }
      samples.addLast(sample);
    }
  }

  /**
   * Whether two answers are the same status and bytes, compared in full: they match under every
   * rule, so recording them needs no parsing (and may run on the event loop).
   */
  static boolean sameAnswer(CapturedResponse legacy, CapturedResponse candidate) {
    return legacy.status() == candidate.status() && !legacy.truncated() && !candidate.truncated()
        && java.util.Arrays.equals(legacy.body(), candidate.body());
  }

  void recordFailure() {
    failed.increment();
  }

  void recordSkipped() {
    skipped.increment();
  }

  /** The most recent mismatches, newest last. */
  public List<MismatchSample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /**
   * Counts since start-up.
   *
   * @param matched copies whose answer matched
   * @param mismatched copies whose answer differed
   * @param dropped copies not sent because too many were in flight
   * @param failed copies that failed or timed out
   * @param skipped copies not sent because the request body was too large
   */
  public record Counts(long matched, long mismatched, long dropped, long failed, long skipped) {}

  public Counts counts() {
    return new Counts(matched.sum(), mismatched.sum(), dropped.sum(), failed.sum(), skipped.sum());
  }

  /** Reads one counter by name, for metrics: matched, mismatched, dropped, failed, skipped. */
  public static Function<ShadowPolicy, Double> counter(String name) {
    return switch (name) {
      case "matched" -> p -> (double) p.matched.sum();
      case "mismatched" -> p -> (double) p.mismatched.sum();
      case "dropped" -> p -> (double) p.dropped.sum();
      case "failed" -> p -> (double) p.failed.sum();
      case "skipped" -> p -> (double) p.skipped.sum();
      default -> throw new IllegalArgumentException(name);
    };
  }
}
