package dev.strangler.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.embedded.ParentWatch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sandbox killed with {@code kill -9} (a child JVM, {@link FakeSandbox}, killed for real) leaves
 * no app behind: its parent watch stops the app within seconds, and if the app survived anyway,
 * the next sandbox on the same work directory stops it before it starts anything.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeftoverAppsTests {

  @TempDir
  Path work;

  private final List<Process> sandboxes = new ArrayList<>();
  private final List<Long> apps = new ArrayList<>();

  @AfterEach
  void killWhatIsLeft() {
    sandboxes.forEach(Process::destroyForcibly);
    apps.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void anAppOfAKilledSandboxIsStoppedByItsWatchWithinSeconds() throws Exception {
    Process sandbox = sandbox("first");
    long app = appPid("first");

    long killed = System.nanoTime();
    sandbox.destroyForcibly().waitFor();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> !alive(app));
    System.out.printf("LEFTOVER-APPS: the app stopped %d ms after its sandbox was killed%n",
        (System.nanoTime() - killed) / 1_000_000);
  }

  @Test
  void anAppLeftRunningByAKilledSandboxIsStoppedAtTheNextStart() throws Exception {
    Process first = sandbox("first");
    long app = appPid("first");
    first.descendants().filter(process -> process.info().commandLine().orElse("").contains(ParentWatch.NAME))
        .forEach(ProcessHandle::destroyForcibly); // its watch is gone too: only the next start can help
    first.destroyForcibly().waitFor();
    assertThat(alive(app)).as("left running").isTrue();
    // a recorded pid that is not one of this work directory's apps (this test JVM) is left alone
    Files.writeString(work.resolve(AppPids.FILE), ProcessHandle.current().pid() + " not-an-app\n",
        java.nio.file.StandardOpenOption.APPEND);

    sandbox("second");
    long next = appPid("second");

    assertThat(alive(app)).as("the leftover app").isFalse();
    assertThat(alive(next)).as("the new app").isTrue();
    assertThat(Files.readString(work.resolve("second.log")))
        .contains("sandbox: stopped sleeping-app (pid " + app + "), left running by a sandbox that was killed")
        .doesNotContain("not-an-app");
    assertThat(AppPids.in(work).recorded()).containsExactly(next);
  }

  private Process sandbox(String name) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process sandbox = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), FakeSandbox.class.getName(), work.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile()).start();
    sandboxes.add(sandbox);
    return sandbox;
  }

  private long appPid(String sandbox) {
    Path log = work.resolve(sandbox + ".log");
    long pid = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> Files.readAllLines(log).stream().filter(line -> line.startsWith("APP ")).findFirst()
            .map(line -> Long.parseLong(line.substring(4).trim())).orElse(-1L), found -> found > 0);
    apps.add(pid);
    return pid;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
