package dev.strangler.sync.capture;

/**
 * A catch-up fence: a transactional logical decoding message,
 * {@code pg_logical_emit_message(true, 'strangler-fence', '<id>')}, committed on a pipeline's
 * source. Transactions reach the capture engine in commit order, so once the engine has sent
 * the batch that holds the fence to Kafka (acknowledged), every change committed before the
 * fence is in Kafka too, whether or not the mapped tables were idle.
 */
public final class Fence {

  /** The logical decoding message prefix. */
  public static final String PREFIX = "strangler-fence";

  /**
   * Reads the source's current WAL position and commits a fence in the same statement; one
   * parameter: the fence id. Columns: the LSN (text).
   */
  public static final String SQL = "SELECT pg_current_wal_lsn()::text AS lsn, pg_logical_emit_message(true, '"
      + PREFIX + "', ?) AS fence";

  private Fence() {}

  /** An LSN as PostgreSQL writes it ({@code 16/B374D848}); null for a negative value (none yet). */
  public static String lsn(long value) {
    return value < 0 ? null : Long.toHexString(value >>> 32).toUpperCase() + "/"
        + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
  }
}
