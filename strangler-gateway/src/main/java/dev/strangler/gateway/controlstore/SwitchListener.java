package dev.strangler.gateway.controlstore;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Hears of switches made by other replicas: {@code LISTEN} on the control store's channel on a
 * dedicated thread and connection, plus a full re-read every poll interval as a backstop (and
 * after every reconnect) for notifications that were missed.
 */
public class SwitchListener implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(SwitchListener.class);
  private static final int WAIT_MILLIS = 250;

  private final DataSource dataSource;
  private final Duration pollInterval;
  private final Consumer<String> onSwitch;
  private final Runnable reloadAll;
  private volatile boolean running;
  private volatile boolean listening;
  private Thread thread;

  /**
   * @param dataSource the control-store database
   * @param pollInterval how often to re-read everything
   * @param onSwitch called with a route name when a switch of it was notified
   * @param reloadAll re-reads every stored state
   */
  public SwitchListener(DataSource dataSource, Duration pollInterval, Consumer<String> onSwitch,
      Runnable reloadAll) {
    this.dataSource = dataSource;
    this.pollInterval = pollInterval;
    this.onSwitch = onSwitch;
    this.reloadAll = reloadAll;
  }

  @Override
  public synchronized void start() {
    running = true;
    thread = new Thread(this::run, "strangler-switch-listener");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public synchronized void stop() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Whether the LISTEN connection is up (for tests and health). */
  public boolean isListening() {
    return listening;
  }

  private void run() {
    long backoff = 200;
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        PGConnection pg = connection.unwrap(PGConnection.class);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + ControlStore.CHANNEL);
        }
        listening = true;
        backoff = 200;
        // anything switched while we were not listening
        reloadAll.run();
        long nextPoll = System.nanoTime() + pollInterval.toNanos();
        while (running) {
          PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
          if (notifications != null) {
            for (PGNotification n : notifications) {
              String payload = n.getParameter();
              int colon = payload.lastIndexOf(':');
              onSwitch.accept(colon < 0 ? payload : payload.substring(0, colon));
            }
          }
          if (System.nanoTime() - nextPoll >= 0) {
            reloadAll.run();
            nextPoll = System.nanoTime() + pollInterval.toNanos();
          }
        }
      } catch (SQLException | RuntimeException e) {
        listening = false;
        if (!running) {
          return;
        }
        log.warn("Control store listener lost its connection ({}); retrying in {} ms", e.toString(), backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    listening = false;
  }
}
