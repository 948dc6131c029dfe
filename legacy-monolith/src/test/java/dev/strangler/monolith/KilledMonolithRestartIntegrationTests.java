package dev.strangler.monolith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
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
 * The monolith on its embedded default (its own PostgreSQL in {@code ~/.strangler/legacy-monolith/postgres},
 * here under a temporary {@code user.home}), as a process killed with {@code kill -9} after an
 * acknowledged signup: started again on the same data directory, the signup is there.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KilledMonolithRestartIntegrationTests {

  @TempDir
  Path home;

  private final List<Process> apps = new ArrayList<>();

  @AfterEach
  void stopApps() throws InterruptedException {
    for (Process app : apps) {
      app.destroy();
      if (!app.waitFor(20, TimeUnit.SECONDS)) {
        app.destroyForcibly();
      }
    }
  }

  @Test
  void anAcknowledgedSignupSurvivesAKillNineOfTheMonolith() throws Exception {
    int port = freePort();
    Process first = start(port, "first");
    Api api = new Api(port);
    awaitReady(api, first, "first");
    var signup = api.post("/api/members", """
        {"email": "kill-nine@example.com", "password": "survives-it", "name": "Kill Nine", "phone": "+1 555-0199"}""");
    assertThat(signup.status()).as(signup.toString()).isEqualTo(201);
    long id = signup.json().get("id").asLong();

    first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, PostgreSQL is left to the parent watch
    long restart = System.nanoTime();
    Process second = start(port, "second");
    awaitReady(api, second, "second");
    System.out.printf("KILLED-MONOLITH: up again %.1f s after kill -9%n", (System.nanoTime() - restart) / 1e9);
    Files.readAllLines(home.resolve("second.log")).stream().filter(line -> line.contains("PostgreSQL data directory"))
        .forEach(line -> System.out.println("KILLED-MONOLITH: " + line));

    var read = api.get("/api/members/" + id);
    assertThat(read.status()).as(read.toString()).isEqualTo(200);
    assertThat(read.json().get("email").asString()).isEqualTo("kill-nine@example.com");
    assertThat(Files.readString(home.resolve("second.log"))).contains("Embedded PostgreSQL started")
        .contains(home.resolve(".strangler/legacy-monolith/postgres").toString());
  }

  private Process start(int port, String name) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process app = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Duser.home=" + home.toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
        MonolithApplication.class.getName(), "--server.port=" + port)
        .redirectErrorStream(true).redirectOutput(home.resolve(name + ".log").toFile()).start();
    apps.add(app);
    return app;
  }

  private void awaitReady(Api api, Process app, String name) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!app.isAlive()) {
        throw new AssertionError(name + " stopped (exit " + app.exitValue() + "):\n"
            + Files.readString(home.resolve(name + ".log")));
      }
      try {
        return api.get("/api/menus").status() == 200;
      } catch (IllegalStateException notUpYet) {
        return false;
      }
    });
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
