package dev.strangler.gateway.admin;

import dev.strangler.gateway.routing.GatewayProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token of the admin API. From {@code strangler.gateway.admin.token} when set;
 * otherwise read from {@code strangler.gateway.admin.token-file}, generated there (random, 256
 * bits, owner-only permissions) the first time. The token itself is never logged; the file's
 * path is.
 */
public final class AdminToken {

  private static final Logger log = LoggerFactory.getLogger(AdminToken.class);

  private final byte[] expected;

  private AdminToken(String token) {
    this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Resolves the token.
   *
   * @param admin the admin settings
   * @param applicationName names the default token file's directory
   */
  public static AdminToken resolve(GatewayProperties.Admin admin, String applicationName) {
    if (admin.token() != null && !admin.token().isBlank()) {
      if (admin.token().length() < 16) {
        log.warn("strangler.gateway.admin.token is shorter than 16 characters: use a long random token");
      }
      return new AdminToken(admin.token().trim());
    }
    Path file = admin.tokenFile() != null ? admin.tokenFile()
        : Path.of(System.getProperty("user.home"), ".strangler", applicationName, "admin-token");
    try {
      if (Files.isRegularFile(file)) {
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!token.isEmpty()) {
          log.info("Admin API token: strangler.gateway.admin.token is not set, using the token in {}", file);
          return new AdminToken(token);
        }
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
      log.info("Admin API token: strangler.gateway.admin.token is not set, generated one into {}", file);
      return new AdminToken(token);
    } catch (IOException e) {
      throw new UncheckedIOException("strangler.gateway.admin.token is not set and the token file "
          + file + " cannot be read or written; set strangler.gateway.admin.token", e);
    }
  }

  /** Whether an {@code Authorization} header carries the token (constant-time comparison). */
  public boolean accepts(String authorization) {
    return authorization != null
        && MessageDigest.isEqual(expected, authorization.trim().getBytes(StandardCharsets.UTF_8));
  }
}
