package dev.strangler.sync.capture;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Echo prevention for a source that Kafka Connect captures, where no engine of cdc-sync sees the
 * {@link EchoMarker} next to the changes: every apply transaction into such a datasource also
 * inserts its transaction id and origin into {@code public.strangler_sync_applied} there (in the
 * same transaction, so the row is committed exactly when the changes are), and the applier of a
 * pipeline reading that source looks the {@code source.txId} of its changes up in it before writing:
 * a change of a transaction cdc-sync applied from the pipeline's own target is an echo and is dropped.
 * The lookup reads the source itself, so it holds however the transaction's changes are spread over
 * topics and partitions: once any of them is in Kafka, the row is committed. The table is not in the
 * publication. Thread-safe (stateless).
 */
public final class AppliedTransactions {

  /** The table on a Connect-captured source. */
  public static final String TABLE = "public.strangler_sync_applied";

  /** Inserts the current transaction; one parameter: the origin datasource (the one the changes came from). */
  public static final String RECORD = "INSERT INTO " + TABLE + " (xid, origin) VALUES "
      + "((pg_current_xact_id()::xid)::text::bigint, ?)";

  /**
   * How far a transaction's commit time ({@code source.ts_ms}) may be from its row's time: PostgreSQL
   * reuses 32-bit transaction ids after about four billion, so an old row must not match a new one.
   */
  static final long SAME_TRANSACTION_MILLIS = TimeUnit.MINUTES.toMillis(10);

  private AppliedTransactions() {}

  /** Creates the table (if missing) on a datasource that Kafka Connect captures, and forgets rows older than a week. */
  public static void prepare(DataSource datasource, String name) {
    try (Connection connection = datasource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (xid bigint NOT NULL, origin text NOT NULL, "
          + "applied_at timestamptz NOT NULL DEFAULT now())");
      statement.execute("CREATE INDEX IF NOT EXISTS strangler_sync_applied_xid ON " + TABLE + " (xid)");
      statement.execute("DELETE FROM " + TABLE + " WHERE applied_at < now() - interval '7 days'");
    } catch (SQLException e) {
      throw new IllegalStateException("datasource " + name + ": could not create " + TABLE + " (echo prevention with "
          + "capture: connect): " + e.getMessage(), e);
    }
  }

  /**
   * The transactions among {@code transactions} that cdc-sync applied into {@code source} from {@code origin}.
   *
   * @param source the pipeline's source (captured by Kafka Connect)
   * @param origin the pipeline's target: changes applied from there are echoes
   * @param transactions transaction id ({@code source.txId}) → its commit time ({@code source.ts_ms})
   * @throws SQLException when the source cannot be read
   */
  public static Set<Long> echoes(DataSource source, String origin, Map<Long, Long> transactions) throws SQLException {
    Set<Long> echoes = new HashSet<>();
    if (transactions.isEmpty()) {
      return echoes;
    }
    try (Connection connection = source.getConnection();
         PreparedStatement query = connection.prepareStatement("SELECT xid, extract(epoch FROM applied_at) * 1000 FROM "
             + TABLE + " WHERE origin = ? AND xid = ANY(?)")) {
      Array ids = connection.createArrayOf("bigint", transactions.keySet().toArray());
      query.setString(1, origin);
      query.setArray(2, ids);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          long xid = rows.getLong(1);
          long appliedAt = (long) rows.getDouble(2);
          Long committed = transactions.get(xid);
          if (committed != null && (committed <= 0 || Math.abs(committed - appliedAt) <= SAME_TRANSACTION_MILLIS)) {
            echoes.add(xid);
          }
        }
      }
    }
    return echoes;
  }
}
