package dev.strangler.gateway.shadow;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A route's shadow mode, as {@code strangler.gateway.routes.<name>.shadow.*} (bound as part of the
 * gateway's properties; here so that shadowing needs nothing of routing).
 *
 * @param methods HTTP methods that are copied to the new service (writes only if listed)
 * @param ignore JSON paths left out of the comparison, e.g. {@code $.id}, {@code $.items[*].createdAt}
 * @param unordered JSON paths of arrays compared without regard to order ({@code $} for the root)
 * @param redact JSON paths whose values are masked in mismatch samples, e.g. {@code $..cardNumber};
 *     while set (and {@code redact-pattern} is not), non-JSON bodies and values are hidden
 * @param ignoreHtml CSS selectors of HTML elements left out of the comparison, e.g.
 *     {@code input[name=_csrf]}; {@code selector@attribute} blanks only that attribute of the
 *     matched elements, e.g. {@code meta[name=csrf-token]@content}, {@code [nonce]@nonce}
 * @param ignorePattern regular expressions whose matches are replaced by the same placeholder
 *     on both sides before comparing: in JSON string values, HTML text and attribute values,
 *     and plain text bodies, e.g. {@code \d{4}-\d\d-\d\dT[\d:.]+Z}
 * @param redactPattern regular expressions whose matches are masked as {@code ***} in mismatch
 *     samples and reported values, any content type, e.g. {@code \b\d{13,19}\b}
 * @param maxConcurrent copies in flight at most; beyond it copies are dropped and counted
 * @param timeout how long a copy may take before it counts as an error
 * @param samples how many recent mismatches are kept
 * @param maxBodyBytes largest body (request or response) that is buffered for a copy or comparison
 * @param maxSampleChars characters of each body kept in a mismatch sample (0: bodies not kept)
 * @param maxValueChars characters of each value shown in a reported difference, cut around the
 *     first character that differs
 * @param noise noise learned from the monolith answering the same request twice
 */
public record ShadowProperties(
    @DefaultValue({"GET", "HEAD"}) List<String> methods,
    @DefaultValue({}) List<String> ignore,
    @DefaultValue({}) List<String> unordered,
    @DefaultValue({}) List<String> redact,
    @DefaultValue({}) List<String> ignoreHtml,
    @DefaultValue({}) List<String> ignorePattern,
    @DefaultValue({}) List<String> redactPattern,
    @Min(1) @DefaultValue("16") int maxConcurrent,
    @NotNull @DefaultValue("5s") Duration timeout,
    @Min(0) @DefaultValue("20") int samples,
    @Min(0) @DefaultValue("1048576") int maxBodyBytes,
    // ranges checked by ShadowPolicy, whose message names the full property
    @DefaultValue("4096") int maxSampleChars,
    @DefaultValue("200") int maxValueChars,
    @Valid @DefaultValue Noise noise) {

  /**
   * Shadow noise learned, not configured: a sampled shadowed GET/HEAD is also sent to the monolith
   * a second time; JSON paths in which its two answers differ are ignored for that endpoint
   * (method + path with id-like segments folded) when it is compared with the new service.
   *
   * @param sampleRate share (0–1) of an endpoint's shadowed safe requests asked twice once it has
   *     {@code min-samples}; 0 with {@code min-samples} 0 turns learning off
   * @param minSamples samples per endpoint taken from every request before the rate applies
   */
  public record Noise(
      // range checked by ShadowPolicy, whose message names the full property
      @DefaultValue("0.05") double sampleRate,
      @Min(0) @DefaultValue("5") int minSamples) {}
}
