package dev.strangler.sandbox;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The apps a sandbox started, by pid, in {@code <work>/apps.pids}, so that the next sandbox on
 * the same work directory stops those a killed one left running (they would hold its ports).
 *
 * <p>Each app carries the marker {@code -Dstrangler.sandbox.work=<work>} on its command line; a
 * recorded pid is stopped only if its process still carries that marker, so a pid reused by
 * another process since is left alone.
 */
final class AppPids {

  static final String FILE = "apps.pids";
  private static final long STOP_SECONDS = 20;

  private final Path file;
  private final String marker;

  private AppPids(Path file, String marker) {
    this.file = file;
    this.marker = marker;
  }

  /** The pid file of a work directory. */
  static AppPids in(Path work) {
    Path absolute = work.toAbsolutePath().normalize();
    return new AppPids(absolute.resolve(FILE), "-Dstrangler.sandbox.work=" + absolute);
  }

  /** The JVM option that marks an app as this work directory's. */
  String marker() {
    return marker;
  }

  /** Records a started app. */
  synchronized void add(String name, long pid) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, pid + " " + name + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Stops the recorded apps that still run (SIGTERM, SIGKILL after 20 s) and empties the file;
   * one line per app stopped.
   */
  synchronized void stopLeftovers(PrintWriter out) throws IOException, InterruptedException {
    if (!Files.isRegularFile(file)) {
      return;
    }
    for (String line : Files.readAllLines(file)) {
      String[] fields = line.trim().split(" ", 2);
      if (!fields[0].matches("\\d+")) {
        continue;
      }
      String name = fields.length > 1 ? fields[1] : "app";
      Optional<ProcessHandle> app = ProcessHandle.of(Long.parseLong(fields[0])).filter(ProcessHandle::isAlive)
          .filter(process -> process.info().commandLine().orElse("").contains(marker));
      if (app.isPresent()) {
        long start = System.nanoTime();
        stop(app.get());
        out.printf("sandbox: stopped %s (pid %s), left running by a sandbox that was killed, in %.1f s%n", name,
            fields[0], (System.nanoTime() - start) / 1e9);
        out.flush();
      }
    }
    Files.delete(file);
  }

  private static void stop(ProcessHandle app) throws InterruptedException {
    app.destroy();
    try {
      app.onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      app.destroyForcibly();
      waitQuietly(app);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void waitQuietly(ProcessHandle app) throws InterruptedException {
    try {
      app.onExit().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("pid " + app.pid() + " did not stop after SIGKILL", e);
    }
  }

  /** For tests: the pids recorded now. */
  List<Long> recorded() throws IOException {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    return Files.readAllLines(file).stream().map(line -> line.trim().split(" ", 2)[0]).filter(pid -> pid.matches("\\d+"))
        .map(Long::parseLong).toList();
  }
}
