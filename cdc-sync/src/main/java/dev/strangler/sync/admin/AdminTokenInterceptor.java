package dev.strangler.sync.admin;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Requires {@code Authorization: Bearer <strangler.sync.admin.token>} on every {@code /admin}
 * request; answers 401 as a problem detail otherwise (always, when no token is configured).
 */
final class AdminTokenInterceptor implements HandlerInterceptor {

  private final byte[] token;

  AdminTokenInterceptor(String token) {
    this.token = token == null || token.isBlank() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws Exception {
    String header = request.getHeader("Authorization");
    if (token != null && header != null
        && MessageDigest.isEqual(token, header.getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    response.setStatus(401);
    response.setHeader("WWW-Authenticate", "Bearer");
    response.setContentType("application/problem+json");
    String detail = token == null ? "strangler.sync.admin.token is not set: the admin API is closed"
        : "a valid bearer token is required";
    response.getWriter().write("{\"type\":\"https://strangler.dev/problems/unauthorized\",\"title\":\"Unauthorized\","
        + "\"status\":401,\"detail\":\"" + detail + "\",\"instance\":\"" + request.getRequestURI().replace("\"", "") + "\"}");
    return false;
  }
}
