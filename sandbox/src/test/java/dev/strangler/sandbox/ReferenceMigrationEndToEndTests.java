package dev.strangler.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reference migration end to end, as the sandbox runs it: five apps as processes on
 * embedded PostgreSQL and Kafka, continuous traffic through the gateway, signup and orders
 * through shadow → canary → extracted, a rollback of orders, every acknowledged write looked up
 * on both sides after each switch and at the end, every pipeline verified. Then the
 * {@code ./strangler} CLI, as a user runs it, against the same live stack. Before all that, on the
 * same work directory, a real sandbox process is killed with {@code kill -9} while its apps run:
 * the stack then starts again on that directory. Needs the apps' and the CLI's jars (the reactor
 * builds them first).
 */
class ReferenceMigrationEndToEndTests {

  static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void theReferencePlanMigratesBothRoutesUnderTrafficAndLosesNoWrite(@TempDir Path work) throws Exception {
    SandboxCommand sandbox = new SandboxCommand();
    sandbox.root = Path.of("..").toAbsolutePath().normalize();
    sandbox.plan = Path.of("sandbox/src/test/resources/e2e-plan.yaml");
    sandbox.rate = 10;
    StringWriter log = new StringWriter();
    PrintWriter out = new PrintWriter(new TeeWriter(log), true);
    List<Long> leftBehind = killedSandbox(sandbox.root, work);

    try (Stack stack = Stack.start(sandbox.root, work, Ports.free(), out)) {
      // what the killed sandbox left running is gone: its apps and its PostgreSQL server
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> leftBehind.stream()
          .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
      boolean passed = sandbox.migrate(stack, out);

      assertThat(passed).as(log.toString()).isTrue();
      assertThat(log.toString())
          .contains("== signup: done, extracted")
          .contains("== orders: done, extracted")
          .contains("orders: rolled back extracted -> legacy")
          .contains("after signup -> shadow: the ").contains("after signup -> canary 20 %: the ")
          .contains("after signup -> extracted: the ").contains("after orders -> extracted: the ")
          .contains("after orders -> legacy: the ")
          .doesNotContain("MISSING")
          .doesNotContain("DIFFERENT");

      theCliDrivesTheLiveStack(sandbox.root, stack);
    }
  }

  /**
   * Starts the sandbox as its own process on {@code work}, waits until its first app is ready,
   * and kills it with {@code kill -9}.
   *
   * @return the pids it left: its apps and its PostgreSQL server
   */
  private static List<Long> killedSandbox(Path root, Path work) throws Exception {
    String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process sandbox = new ProcessBuilder(javaCommand, "-cp", System.getProperty("java.class.path"),
        SandboxCommand.class.getName(), "--root", root.toString(), "--work", work.toString(), "--free-ports")
        .redirectErrorStream(true).start();
    java.util.concurrent.CompletableFuture<String> ready = new java.util.concurrent.CompletableFuture<>();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(sandbox.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          System.out.println("killed sandbox: " + line);
          output.append(line).append('\n');
          if (line.contains(" ready in ")) {
            ready.complete(line);
          }
        }
      } catch (java.io.IOException gone) {
        // the process was killed
      }
      ready.complete(null);
    });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(ready.get(4, TimeUnit.MINUTES)).as(output::toString).isNotNull();
      List<Long> left = new ArrayList<>(sandbox.descendants().map(ProcessHandle::pid).toList());
      String postmaster = Files.readAllLines(work.resolve("postgres").resolve("postmaster.pid")).get(0);
      left.add(Long.parseLong(postmaster.trim()));
      assertThat(left).hasSizeGreaterThan(1);
      sandbox.toHandle().destroyForcibly(); // SIGKILL
      assertThat(sandbox.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return left;
    } finally {
      sandbox.destroyForcibly();
    }
  }

  /** {@code status}, {@code verify}, {@code advance} and {@code rollback}, as processes, on the migrated stack. */
  private static void theCliDrivesTheLiveStack(Path root, Stack stack) throws Exception {
    Map<String, String> env = new HashMap<>(stack.planEnvironment());
    // the same routes with a 10-minute shadow step, so that the second advance finds its gate unmet
    env.put("STRANGLER_PLAN", "sandbox/src/test/resources/e2e-cli-plan.yaml");

    Cli status = Cli.run(root, env, "status", "--json");
    assertThat(status.exit()).as(status.output()).isZero();
    JsonNode routes = JSON.readTree(status.output()).get("routes");
    assertThat(route(routes, "signup").get("mode").asString()).isEqualTo("extracted");
    assertThat(route(routes, "orders").get("mode").asString()).isEqualTo("legacy");
    // the sandbox verified every pipeline at the end: cdc-sync remembers, status shows it
    for (JsonNode pipeline : route(routes, "signup").get("pipelines")) {
      assertThat(pipeline.get("lastVerifyEqual").asBoolean()).as(pipeline.toString()).isTrue();
      assertThat(pipeline.get("state").asString()).isEqualTo("STREAMING");
    }
    Cli table = Cli.run(root, env, "status");
    assertThat(table.output()).contains("ROUTE").contains("signup").contains("members-to-accounts").contains("diff 0");

    Cli verify = Cli.run(root, env, "verify", "signup");
    assertThat(verify.exit()).as(verify.output()).isZero();
    assertThat(verify.output()).contains("members-to-accounts: equal").contains("accounts-to-members: equal");

    Cli last = Cli.run(root, env, "advance", "signup");
    assertThat(last.exit()).as(last.output()).isZero();
    assertThat(last.output()).contains("signup: already at its last step");

    Cli start = Cli.run(root, env, "advance", "orders");
    assertThat(start.exit()).as(start.output()).isZero();
    assertThat(start.output()).contains("orders: legacy -> shadow");
    // the shadow step must be held for its 10 minutes first: the gate says so, and nothing changes
    Cli tooSoon = Cli.run(root, env, "advance", "orders");
    assertThat(tooSoon.exit()).as(tooSoon.output()).isEqualTo(3);
    assertThat(tooSoon.output()).contains("orders: stays at shadow");

    Cli rollback = Cli.run(root, env, "rollback", "orders", "--reason", "end-to-end test");
    assertThat(rollback.exit()).as(rollback.output()).isZero();
    Cli after = Cli.run(root, env, "status", "--json");
    assertThat(route(JSON.readTree(after.output()).get("routes"), "orders").get("mode").asString()).isEqualTo("legacy");

    // a pipeline's snapshot taken again: requested, and the pipeline ends streaming and equal
    Cli snapshot = Cli.run(root, env, "sync", "snapshot", "members-to-accounts");
    assertThat(snapshot.exit()).as(snapshot.output()).isZero();
    assertThat(snapshot.output()).contains("members-to-accounts: snapshot requested");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
      for (JsonNode pipeline : route(JSON.readTree(Cli.run(root, env, "status", "--json").output()).get("routes"),
          "signup").get("pipelines")) {
        if (!"STREAMING".equals(pipeline.get("state").asString())) {
          return false;
        }
      }
      return Cli.run(root, env, "verify", "signup").output().contains("members-to-accounts: equal");
    });
    Cli noPipeline = Cli.run(root, env, "sync", "snapshot", "nowhere");
    assertThat(noPipeline.exit()).as(noPipeline.output()).isEqualTo(5);
    assertThat(noPipeline.output()).contains("nowhere");

    Cli unknown = Cli.run(root, env, "verify", "nowhere");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.output()).contains("route 'nowhere' is not in");
  }

  private static JsonNode route(JsonNode routes, String name) {
    for (JsonNode route : routes) {
      if (name.equals(route.get("route").asString())) {
        return route;
      }
    }
    throw new AssertionError("no route " + name + " in " + routes);
  }

  /** One {@code ./strangler} run: its exit code and its output (stdout and stderr). */
  private record Cli(int exit, String output) {

    static Cli run(Path root, Map<String, String> env, String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of("./strangler"));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
      builder.environment().putAll(env);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("./strangler " + String.join(" ", args) + " did not finish: " + output);
      }
      System.out.println("$ ./strangler " + String.join(" ", args) + " -> " + process.exitValue() + "\n" + output);
      return new Cli(process.exitValue(), output);
    }
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
