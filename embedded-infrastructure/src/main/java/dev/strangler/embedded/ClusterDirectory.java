package dev.strangler.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL data directory and who holds it. Before a server starts on it: refuse it if a live
 * process owns it, stop a postmaster that a dead owner left running, wipe it on request, then
 * record this JVM as its owner.
 *
 * <p>Ownership is decided by zonky's {@code epg-lock}, an OS file lock that its owner JVM holds
 * while the server runs and that the OS drops when that JVM dies, however it dies. The
 * {@code strangler-owner} file only names the owner's pid (for the message and the log); a stale
 * one, of an owner that is gone, is fine.
 */
final class ClusterDirectory {

  private static final Logger log = LoggerFactory.getLogger(ClusterDirectory.class);

  static final String OWNER_FILE = "strangler-owner";
  private static final String LOCK_FILE = "epg-lock";
  private static final String POSTMASTER_PID = "postmaster.pid";

  /**
   * The directories servers of this JVM hold. Probing zonky's lock from this JVM while one of its
   * servers holds it would drop that lock (POSIX locks belong to the process), so those are
   * known here instead.
   */
  private static final Set<Path> claimedHere = ConcurrentHashMap.newKeySet();

  private final Path dir;

  ClusterDirectory(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  Path path() {
    return dir;
  }

  /**
   * Makes the directory this JVM's: refuses it if a live process holds it, stops a postmaster
   * left behind by a dead owner, wipes it if asked. {@link #recordOwner()} follows once the
   * server runs.
   *
   * @throws IllegalStateException if a live process owns the directory (the message names both)
   */
  void claim(boolean wipe) {
    if (!claimedHere.add(dir)) {
      throw new IllegalStateException("The PostgreSQL data directory " + dir
          + " is already in use by this process (pid " + ProcessHandle.current().pid() + "): close its server first");
    }
    boolean claimed = false;
    try {
      Files.createDirectories(dir);
      refuseLiveOwner();
      stopOrphanedPostmaster();
      if (wipe) {
        wipe();
      }
      claimed = true;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not take over the PostgreSQL data directory " + dir, e);
    } finally {
      if (!claimed) {
        claimedHere.remove(dir);
      }
    }
  }

  /** Records this JVM as the owner; after the server started (initdb wants an empty directory). */
  void recordOwner() {
    try {
      Files.writeString(dir.resolve(OWNER_FILE), ProcessHandle.current().pid() + "\n");
    } catch (IOException e) {
      log.warn("Could not record the owner of {}: {}", dir, e.getMessage());
    }
  }

  /** Forgets this JVM as the owner (after its server stopped). */
  void release() {
    claimedHere.remove(dir);
    Path owner = dir.resolve(OWNER_FILE);
    if (readPid(owner).orElse(-1) == ProcessHandle.current().pid()) {
      try {
        Files.deleteIfExists(owner);
      } catch (IOException e) {
        log.warn("Could not remove {}: {}", owner, e.getMessage());
      }
    }
  }

  /** The running postmaster's pid, from {@code postmaster.pid}. */
  OptionalLong postmasterPid() {
    return readPid(dir.resolve(POSTMASTER_PID));
  }

  private void refuseLiveOwner() throws IOException {
    Path ownerFile = dir.resolve(OWNER_FILE);
    OptionalLong owner = readPid(ownerFile);
    if (heldByAnotherProcess()) {
      throw new IllegalStateException("The PostgreSQL data directory " + dir + " is in use by a live process (pid "
          + (owner.isPresent() ? owner.getAsLong() + ", recorded in " + ownerFile : "unknown")
          + "): stop it, or give this app another data directory");
    }
    if (owner.isPresent()) {
      log.info("PostgreSQL data directory {}: its previous owner (pid {}) is gone; taking it over", dir,
          owner.getAsLong());
    }
  }

  private boolean heldByAnotherProcess() throws IOException {
    Path lockFile = dir.resolve(LOCK_FILE);
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
         FileLock lock = channel.tryLock()) {
      return lock == null;
    }
  }

  /** A dead owner's postmaster keeps running (pg_ctl detaches it): stop it so a new one can start. */
  private void stopOrphanedPostmaster() throws IOException {
    Path pidFile = dir.resolve(POSTMASTER_PID);
    OptionalLong pid = readPid(pidFile);
    if (pid.isEmpty()) {
      return;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      log.info("PostgreSQL data directory {}: {} names pid {}, which is gone; PostgreSQL will recover", dir,
          POSTMASTER_PID, pid.getAsLong());
      return;
    }
    if (!isPostgres(process.get())) {
      log.info("PostgreSQL data directory {}: {} names pid {}, which is not PostgreSQL now; removing the stale file",
          dir, POSTMASTER_PID, pid.getAsLong());
      Files.deleteIfExists(pidFile);
      return;
    }
    String port = postmasterPort().stream().mapToObj(Integer::toString).findFirst().orElse("unknown");
    log.info("PostgreSQL data directory {}: found a postmaster (pid {}, port {}) left running by an owner that is gone;"
        + " stopping it", dir, pid.getAsLong(), port);
    long start = System.nanoTime();
    stop(process.get());
    log.info("PostgreSQL data directory {}: the left-over postmaster (pid {}) stopped in {} ms", dir, pid.getAsLong(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /** SIGINT (PostgreSQL's fast shutdown), then SIGKILL of it and its backends after 15 s. */
  private static void stop(ProcessHandle postmaster) {
    List<ProcessHandle> backends = postmaster.descendants().toList();
    try {
      try {
        new ProcessBuilder("kill", "-s", "INT", Long.toString(postmaster.pid()))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
      } catch (IOException noKill) {
        postmaster.destroy(); // SIGTERM: PostgreSQL's smart shutdown; its clients died with their JVM
      }
      try {
        postmaster.onExit().get(15, TimeUnit.SECONDS);
        return;
      } catch (TimeoutException e) {
        log.info("The left-over postmaster (pid {}) did not stop within 15 s of SIGINT; sending SIGKILL",
            postmaster.pid());
      }
      postmaster.destroyForcibly();
      backends.forEach(ProcessHandle::destroyForcibly);
      postmaster.onExit().get(5, TimeUnit.SECONDS);
      for (ProcessHandle backend : backends) {
        backend.onExit().get(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while stopping the left-over postmaster " + postmaster.pid(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("The left-over postmaster " + postmaster.pid() + " did not stop", e);
    }
  }

  private static boolean isPostgres(ProcessHandle process) {
    ProcessHandle.Info info = process.info();
    return info.command().or(info::commandLine).map(command -> command.contains("postgres")).orElse(true);
  }

  private OptionalInt postmasterPort() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(POSTMASTER_PID));
      return lines.size() > 3 ? OptionalInt.of(Integer.parseInt(lines.get(3).trim())) : OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private void wipe() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        if (!file.equals(dir)) {
          Files.delete(file);
        }
      }
    }
    log.info("PostgreSQL data directory {} wiped (clean)", dir);
  }

  /** The pid on the first line of a file, if the file exists and starts with one. */
  static OptionalLong readPid(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        return OptionalLong.empty();
      }
      try (Stream<String> lines = Files.lines(file)) {
        return lines.findFirst().map(String::trim).filter(line -> line.matches("\\d+"))
            .map(line -> OptionalLong.of(Long.parseLong(line))).orElse(OptionalLong.empty());
      }
    } catch (IOException | UncheckedIOException e) {
      return OptionalLong.empty();
    }
  }
}
