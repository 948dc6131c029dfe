package dev.strangler.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference migration end to end, as the sandbox runs it: five apps as processes on
 * embedded PostgreSQL and Kafka, continuous traffic through the gateway, signup and orders
 * through shadow → canary → extracted, a rollback of orders; then every pipeline verified and
 * every acknowledged write looked up on both sides. Needs the apps' jars (the reactor builds
 * them first).
 */
class ReferenceMigrationEndToEndTests {

  @Test
  void theReferencePlanMigratesBothRoutesUnderTrafficAndLosesNoWrite(@TempDir Path work) throws Exception {
    SandboxCommand sandbox = new SandboxCommand();
    sandbox.root = Path.of("..").toAbsolutePath().normalize();
    sandbox.plan = Path.of("sandbox/src/test/resources/e2e-plan.yaml");
    sandbox.rate = 10;
    StringWriter log = new StringWriter();
    PrintWriter out = new PrintWriter(new TeeWriter(log), true);

    boolean passed;
    try (Stack stack = Stack.start(sandbox.root, work, Ports.free(), out)) {
      passed = sandbox.migrate(stack, out);
    }

    assertThat(passed).as(log.toString()).isTrue();
    assertThat(log.toString())
        .contains("== signup: done, extracted")
        .contains("== orders: done, extracted")
        .contains("orders: rolled back extracted -> legacy")
        .doesNotContain("MISSING")
        .doesNotContain("DIFFERENT");
  }

  /** Shows progress in the build log as it happens, and keeps it for the assertion message. */
  private static final class TeeWriter extends java.io.Writer {
    private final StringWriter copy;

    TeeWriter(StringWriter copy) {
      this.copy = copy;
    }

    @Override
    public void write(char[] buffer, int offset, int length) {
      copy.write(buffer, offset, length);
      System.out.print(new String(buffer, offset, length));
    }

    @Override
    public void flush() {
      System.out.flush();
    }

    @Override
    public void close() {}
  }
}
