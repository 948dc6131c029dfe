package dev.strangler.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A database of its own on the shared test server.
 *
 * @param name the database name
 * @param host the server's host
 * @param port the server's port
 * @param jdbcUrl JDBC URL of this database
 * @param username a superuser (replication allowed)
 * @param password its password
 */
public record TestDatabase(String name, String host, int port, String jdbcUrl, String username,
                           String password) {

  /** Points a Spring Boot app's {@code spring.datasource.*} at this database. */
  public TestDatabase registerAsDataSource(DynamicPropertyRegistry registry) {
    return registerAs("spring.datasource", registry);
  }

  /** Registers {@code <prefix>.url}, {@code .username} and {@code .password}. */
  public TestDatabase registerAs(String prefix, DynamicPropertyRegistry registry) {
    registry.add(prefix + ".url", this::jdbcUrl);
    registry.add(prefix + ".username", this::username);
    registry.add(prefix + ".password", this::password);
    return this;
  }

  /** A new JDBC connection; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, username, password);
  }
}
