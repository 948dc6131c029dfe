package dev.strangler.testkit;

import dev.strangler.embedded.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The shared PostgreSQL of a test JVM, whichever kind runs it. */
public abstract sealed class TestPostgres implements AutoCloseable {

  private static final AtomicInteger sequence = new AtomicInteger();

  public abstract String host();

  public abstract int port();

  public abstract String username();

  public abstract String password();

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
  }

  /** Creates a new empty database whose name starts with {@code prefix}. */
  public TestDatabase createDatabase(String prefix) {
    String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    String name = clean + "_" + sequence.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 1_000_000, 36);
    try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), username(), password());
         Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create test database " + name, e);
    }
    return new TestDatabase(name, host(), port(), jdbcUrl(name), username(), password());
  }

  @Override
  public abstract void close();

  static TestPostgres embedded() {
    return new Embedded(PostgresServer.start(null, 0, true));
  }

  static TestPostgres container() {
    PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine")
        .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=40",
            "-c", "max_wal_senders=40", "-c", "max_connections=400");
    container.start();
    return new Container(container);
  }

  static final class Embedded extends TestPostgres {
    private final PostgresServer server;

    Embedded(PostgresServer server) {
      this.server = server;
    }

    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return server.port(); }
    @Override public String username() { return PostgresServer.USER; }
    @Override public String password() { return PostgresServer.PASSWORD; }
    @Override public void close() { server.close(); }
  }

  static final class Container extends TestPostgres {
    private final PostgreSQLContainer container;

    Container(PostgreSQLContainer container) {
      this.container = container;
    }

    @Override public String host() { return container.getHost(); }
    @Override public int port() { return container.getMappedPort(5432); }
    @Override public String username() { return container.getUsername(); }
    @Override public String password() { return container.getPassword(); }
    @Override public void close() { container.stop(); }
  }
}
