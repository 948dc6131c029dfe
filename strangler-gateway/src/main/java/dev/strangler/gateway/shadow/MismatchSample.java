package dev.strangler.gateway.shadow;

import java.time.Instant;
import java.util.List;

/**
 * A recent shadow mismatch, with both bodies redacted.
 *
 * @param at when the comparison ran
 * @param method the request method
 * @param path the request path (no query string: it may carry personal data)
 * @param legacyStatus the monolith's status
 * @param newStatus the new service's status
 * @param differences where the answers differ
 * @param legacyBody the monolith's body, redacted
 * @param newBody the new service's body, redacted
 */
public record MismatchSample(Instant at, String method, String path, int legacyStatus,
                             int newStatus, List<String> differences, String legacyBody,
                             String newBody) {}
