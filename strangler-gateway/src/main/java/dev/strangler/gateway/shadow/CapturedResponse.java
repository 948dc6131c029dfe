package dev.strangler.gateway.shadow;

/**
 * One side's answer, as far as shadow comparison needs it.
 *
 * @param status the HTTP status code
 * @param contentType the Content-Type header, or null
 * @param body the body bytes (possibly truncated, see {@code truncated})
 * @param truncated whether the body was larger than the configured limit
 */
record CapturedResponse(int status, String contentType, byte[] body, boolean truncated) {}
