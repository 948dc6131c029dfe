package dev.strangler.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.gateway.routing.GatewayProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTests {

  @TempDir
  Path dir;

  @Test
  void acceptsOnlyTheConfiguredToken() {
    AdminToken token = AdminToken.resolve(new GatewayProperties.Admin("s3cret-token-for-tests", null), "gw");
    assertThat(token.accepts("Bearer s3cret-token-for-tests")).isTrue();
    assertThat(token.accepts("Bearer s3cret-token-for-test")).isFalse();
    assertThat(token.accepts("s3cret-token-for-tests")).isFalse();
    assertThat(token.accepts(null)).isFalse();
  }

  @Test
  void generatesAnOwnerOnlyTokenFileOnceAndReusesIt() throws Exception {
    Path file = dir.resolve("nested/admin-token");
    AdminToken first = AdminToken.resolve(new GatewayProperties.Admin(null, file), "gw");
    String written = Files.readString(file).trim();
    assertThat(written).hasSizeGreaterThanOrEqualTo(40);
    assertThat(first.accepts("Bearer " + written)).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    AdminToken second = AdminToken.resolve(new GatewayProperties.Admin(" ", file), "gw");
    assertThat(second.accepts("Bearer " + written)).isTrue();
  }
}
