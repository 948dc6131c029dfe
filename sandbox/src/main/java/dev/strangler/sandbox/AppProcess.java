package dev.strangler.sandbox;

import dev.strangler.embedded.ParentWatch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One app of the stack run as its own JVM from its jar, its output in a log file. Ready when
 * its probe URL answers anything at all over HTTP. Its pid is recorded in the work directory's
 * {@link AppPids}, and a {@link ParentWatch} stops it (SIGTERM, SIGKILL after 20 s) about a second
 * after the sandbox's JVM is gone, even by {@code kill -9}.
 */
final class AppProcess implements AutoCloseable {

  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1)).build();

  private final String name;
  private final Process process;
  private final ParentWatch watch;
  private final Path log;
  private final URI probe;

  private AppProcess(String name, Process process, ParentWatch watch, Path log, URI probe) {
    this.name = name;
    this.process = process;
    this.watch = watch;
    this.log = log;
    this.probe = probe;
  }

  /**
   * Starts an app.
   *
   * @param jar the app's executable jar
   * @param args Spring Boot command-line properties ({@code --key=value})
   * @param probe a URL that answers once the app is up
   * @param pids where the app's pid is recorded
   */
  static AppProcess start(String name, Path jar, List<String> args, Path logDirectory, URI probe, AppPids pids)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(name + ": " + jar + " is missing: build it with ./mvnw package -DskipTests");
    }
    return start(name, List.of("-jar", jar.toString()), args, logDirectory, probe, pids);
  }

  /**
   * Starts a JVM.
   *
   * @param main what to run: {@code -jar <jar>} or {@code -cp <classpath> <class>}
   */
  static AppProcess start(String name, List<String> main, List<String> args, Path logDirectory, URI probe,
                          AppPids pids) throws IOException {
    Files.createDirectories(logDirectory);
    Path log = logDirectory.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", pids.marker()));
    command.addAll(main);
    command.addAll(args);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    pids.add(name, process.pid());
    ParentWatch watch = ParentWatch.start(process.pid(), name, "TERM", Duration.ofSeconds(20));
    return new AppProcess(name, process, watch, log, probe);
  }

  long pid() {
    return process.pid();
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  /** Waits until the probe answers; fails with the log's tail if the app dies or takes too long. */
  void awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " stopped during start-up (exit " + process.exitValue() + "); last lines of "
            + log + ":\n" + tail(40));
      }
      try {
        http.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(2)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException notYet) {
        Thread.sleep(250);
      }
    }
    throw new IllegalStateException(name + " did not answer " + probe + " within " + timeout.toSeconds() + " s; last lines of "
        + log + ":\n" + tail(40));
  }

  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      watch.close();
    }
  }
}
