package dev.strangler.sync.capture;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.stereotype.Component;

/**
 * cdc-sync's own database ({@code spring.datasource}, embedded PostgreSQL by default), where the
 * capture engines keep their offsets: one table per pipeline, {@code strangler_sync_offsets_<pipeline>}
 * (Debezium's JDBC offset store rewrites its whole table on each flush, so engines must not share one).
 */
@Component
public class ControlDatabase {

  private final JdbcConnectionDetails details;
  private final DataSource dataSource;

  /**
   * @param details the control database's connection settings
   * @param dataSource a pool on it
   */
  public ControlDatabase(JdbcConnectionDetails details, DataSource dataSource) {
    this.details = details;
    this.dataSource = dataSource;
  }

  String url() { return details.getJdbcUrl(); }
  String username() { return details.getUsername(); }
  String password() { return details.getPassword(); }

  String offsetTable(String pipeline) {
    return "strangler_sync_offsets_" + pipeline.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** Forgets a pipeline's offsets: the next start snapshots again. */
  public void dropOffsets(String pipeline) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + offsetTable(pipeline));
    } catch (Exception e) {
      throw new IllegalStateException("could not drop the offsets of pipeline " + pipeline + ": " + e.getMessage(), e);
    }
  }
}
