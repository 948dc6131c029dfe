package dev.strangler.embedded;

import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small {@code sh} loop, started by this JVM, that stops a process once this JVM is gone: it
 * polls both pids every second, and when this JVM has died (even by {@code kill -9}, which runs no
 * shutdown hook) it sends the target a signal, then {@code SIGKILL} after a grace period. It exits
 * by itself as soon as the target is gone, and {@link #close()} ends it at once.
 *
 * <p>It ignores {@code SIGINT}, {@code SIGHUP} and {@code SIGTERM}, so a Ctrl-C on the terminal
 * or a stop of the process group does not end it before it did its job. On Windows (no
 * {@code sh}) nothing is watched.
 */
public final class ParentWatch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ParentWatch.class);

  /** $1 this JVM's pid, $2 the target's pid, $3 the signal, $4 the grace period in tenths of a second. */
  private static final String SCRIPT = """
      trap '' INT HUP TERM
      alive() {
        kill -0 "$1" 2>/dev/null || return 1
        if read -r stat < "/proc/$1/stat" 2>/dev/null; then
          state=${stat##*) }
          [ "${state%% *}" != Z ] || return 1
        fi
        return 0
      }
      while alive "$1" && alive "$2"; do sleep 1; done
      alive "$2" || exit 0
      kill -s "$3" "$2" 2>/dev/null
      i=0
      while alive "$2" && [ "$i" -lt "$4" ]; do sleep 0.1; i=$((i + 1)); done
      alive "$2" && kill -s KILL "$2" 2>/dev/null
      exit 0
      """;

  /** The marker in the watcher's command line (its {@code $0}). */
  public static final String NAME = "strangler-parent-watch";

  private final Process watcher;

  private ParentWatch(Process watcher) {
    this.watcher = watcher;
  }

  /**
   * Starts watching.
   *
   * @param target the process to stop once this JVM is gone
   * @param what what the target is, for the log
   * @param signal the signal that asks it to stop ({@code INT}, {@code TERM})
   * @param grace how long it may take before it gets {@code SIGKILL}
   */
  public static ParentWatch start(long target, String what, String signal, Duration grace) {
    if (!signal.matches("[A-Z]+")) {
      throw new IllegalArgumentException("Not a signal name: " + signal);
    }
    if (System.getProperty("os.name", "").startsWith("Windows")) {
      log.info("No parent watch for {} (pid {}) on Windows", what, target);
      return new ParentWatch(null);
    }
    long self = ProcessHandle.current().pid();
    try {
      Process watcher = new ProcessBuilder("sh", "-c", SCRIPT, NAME, Long.toString(self), Long.toString(target),
          signal, Long.toString(Math.max(1, grace.toMillis() / 100)))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      log.info("Parent watch (pid {}) stops {} (pid {}) with SIG{} about 1 s after this JVM (pid {}) is gone",
          watcher.pid(), what, target, signal, self);
      return new ParentWatch(watcher);
    } catch (IOException e) {
      log.warn("No parent watch for {} (pid {}): sh did not start: {}", what, target, e.getMessage());
      return new ParentWatch(null);
    }
  }

  /** The watcher's pid, if one runs. */
  public java.util.OptionalLong pid() {
    return watcher == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(watcher.pid());
  }

  /** Ends the watcher (the target was stopped by its owner). */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.destroyForcibly();
    }
  }
}
