package dev.strangler.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers whose JVM was killed with {@code kill -9} (a child JVM, {@link KilledServerChild},
 * killed for real): the parent watch stops the left-over postmaster, or the next start finds and
 * stops it; the restart on the same directory has what was acknowledged before the kill.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KilledServerRestartTests {

  private final Map<Process, Path> children = new java.util.LinkedHashMap<>();
  private final List<Long> postmasters = new ArrayList<>();

  @TempDir
  Path temp;

  @AfterEach
  void killWhatIsLeft() {
    children.keySet().forEach(Process::destroyForcibly);
    postmasters.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void thePostmasterOfAKilledAppStopsWithinSecondsAndARestartHasTheAcknowledgedRow() throws Exception {
    Path dir = temp.resolve("postgres");
    Process child = child("postgres", dir, "before the kill");
    long postmaster = postmasterPid(child);

    long killed = System.nanoTime();
    child.destroyForcibly().waitFor();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false) == false);
    System.out.printf("KILLED-SERVER: orphan postmaster stopped by the parent watch %d ms after kill -9%n",
        (System.nanoTime() - killed) / 1_000_000);

    try (PostgresServer restarted = PostgresServer.start(dir, 0, false)) {
      assertThat(values(restarted)).containsExactly("before the kill");
    }
  }

  @Test
  void aPostmasterLeftRunningIsFoundAndStoppedAtTheNextStart() throws Exception {
    Path dir = temp.resolve("postgres");
    Process child = child("postgres", dir, "before the kill");
    long postmaster = postmasterPid(child);
    killParentWatches(child);
    child.destroyForcibly().waitFor();
    assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).as("left running").contains(true);

    long start = System.nanoTime();
    try (PostgresServer restarted = PostgresServer.start(dir, 0, false)) {
      System.out.printf("KILLED-SERVER: restart that stopped the orphan postmaster took %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
      assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(restarted.postmasterPid().orElseThrow()).isNotEqualTo(postmaster);
      assertThat(values(restarted)).containsExactly("before the kill");
    }
  }

  @Test
  void cleanWipesADirectoryAKilledAppLeftRunning() throws Exception {
    Path dir = temp.resolve("postgres");
    Process child = child("postgres", dir, "before the kill");
    postmasterPid(child);
    killParentWatches(child);
    child.destroyForcibly().waitFor();

    try (PostgresServer restarted = PostgresServer.start(dir, 0, true);
         var connection = DriverManager.getConnection(restarted.jdbcUrl("postgres"), PostgresServer.USER,
             PostgresServer.PASSWORD);
         var rows = connection.createStatement().executeQuery("SELECT count(*) FROM pg_database WHERE datname = 'app'")) {
      rows.next();
      assertThat(rows.getInt(1)).as("databases of before the wipe").isZero();
    }
  }

  @Test
  void aDataDirectoryOfALiveAppIsRefusedNamingTheDirectoryAndThePid() throws Exception {
    Path dir = temp.resolve("postgres");
    Process child = child("postgres", dir, "owned");
    postmasterPid(child);

    assertThatThrownBy(() -> PostgresServer.start(dir, 0, false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir.toAbsolutePath().toString())
        .hasMessageContaining("pid " + child.pid());
    assertThat(child.isAlive()).as("the owner is left alone").isTrue();
  }

  @Test
  void aStaleOwnerFileOfADeadOwnerIsFine() throws Exception {
    Path dir = temp.resolve("postgres");
    try (PostgresServer first = PostgresServer.start(dir, 0, false)) {
      first.createDatabase("app");
    }
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(dir.resolve(ClusterDirectory.OWNER_FILE), gone.pid() + "\n");

    try (PostgresServer again = PostgresServer.start(dir, 0, false)) {
      assertThat(Files.readString(dir.resolve(ClusterDirectory.OWNER_FILE)).trim())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
    assertThat(dir.resolve(ClusterDirectory.OWNER_FILE)).as("forgotten on close").doesNotExist();
  }

  @Test
  void aBrokerKilledAfterAnAcknowledgedRecordRestartsOnItsDirectoryWithTheRecord() throws Exception {
    Path dir = temp.resolve("kafka");
    Process child = child("kafka", dir, "before the kill");
    awaitAcked(child);
    child.destroyForcibly().waitFor();

    long start = System.nanoTime();
    try (KafkaServer restarted = KafkaServer.start(dir, 0);
         var consumer = new KafkaConsumer<String, String>(Map.of(
             ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, restarted.bootstrapServers(),
             ConsumerConfig.GROUP_ID_CONFIG, "after-kill",
             ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      System.out.printf("KILLED-SERVER: broker restarted on the killed one's log in %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
      consumer.subscribe(List.of("kept"));
      List<String> values = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
        return !values.isEmpty();
      });
      assertThat(values).containsExactly("before the kill");
      System.out.printf("KILLED-SERVER: record read back %d ms after the restart began%n",
          (System.nanoTime() - start) / 1_000_000);
    }
  }

  private Process child(String server, Path dir, String value) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = temp.resolve(server + "-child-" + children.size() + ".log");
    Process child = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), KilledServerChild.class.getName(),
        server, dir.toString(), value)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    children.put(child, log);
    return child;
  }

  private Path log(Process child) {
    return children.get(child);
  }

  private void awaitAcked(Process child) {
    Path log = log(child);
    await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(50)).until(() -> {
      String output = Files.exists(log) ? Files.readString(log) : "";
      if (!child.isAlive()) {
        throw new AssertionError("the child stopped (exit " + child.exitValue() + "):\n" + output);
      }
      return output.contains("ACKED");
    });
  }

  private long postmasterPid(Process child) throws Exception {
    awaitAcked(child);
    long pid = Files.readAllLines(log(child)).stream().filter(line -> line.startsWith("POSTMASTER "))
        .map(line -> Long.parseLong(line.substring("POSTMASTER ".length()).trim())).findFirst().orElseThrow();
    postmasters.add(pid);
    return pid;
  }

  /** So that the next start, not the watch, has to deal with the left-over postmaster. */
  private static void killParentWatches(Process child) {
    child.descendants()
        .filter(process -> process.info().commandLine().orElse("").contains(ParentWatch.NAME)
            || process.info().arguments().map(List::of).orElse(List.of()).contains(ParentWatch.NAME))
        .forEach(ProcessHandle::destroyForcibly);
  }

  private static List<String> values(PostgresServer server) throws Exception {
    List<String> values = new ArrayList<>();
    try (var connection = DriverManager.getConnection(server.jdbcUrl("app"), PostgresServer.USER,
        PostgresServer.PASSWORD);
         var rows = connection.createStatement().executeQuery("SELECT value FROM kept")) {
      while (rows.next()) {
        values.add(rows.getString(1));
      }
    }
    return values;
  }
}
