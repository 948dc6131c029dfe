package dev.strangler.sync.apply;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences appliers across instances. A consumer paused past its session (a long GC, a frozen VM,
 * {@code SIGSTOP}) may still hold a batch of a partition the group has given to another consumer
 * meanwhile; written after the new owner's, its older changes would overwrite newer ones. So a
 * consumer claims its partitions on the target as they are assigned (a token of its own per
 * assignment, in {@value #TABLE}), and every apply transaction first reads, under a share lock of
 * the claim rows, that the tokens are still its own: a fenced batch rolls back, neither applied
 * nor committed, and the consumer goes on with what the group assigns it next. A claim waits for
 * an apply transaction holding the lock, so the old owner's last batch is in before the new
 * owner's first (which starts from the offsets committed, and so applies it again: harmless).
 */
final class ApplyClaims {

  static final String TABLE = "strangler_sync_apply_claims";
  private static final Logger log = LoggerFactory.getLogger(ApplyClaims.class);

  /** duplicate object, duplicate table, unique violation (on pg_type): what a concurrent creation raises */
  private static final java.util.Set<String> CREATED_CONCURRENTLY = java.util.Set.of("42710", "42P07", "23505");

  private final DataSource target;
  private final String group;
  private final String pipeline;
  /** partition → this process's token for it, while assigned here */
  private final Map<TopicPartition, String> tokens = new ConcurrentHashMap<>();
  private volatile boolean tableReady;
  private volatile boolean enabled = true;

  /**
   * @param target a pool on the pipeline's target
   * @param group the applier's consumer group
   * @param pipeline the pipeline's name, for the logs
   */
  ApplyClaims(DataSource target, String group, String pipeline) {
    this.target = target;
    this.group = group;
    this.pipeline = pipeline;
  }

  /**
   * Claims newly assigned partitions for this consumer (called on assignment, before any of their
   * records is applied). If the target does not answer, the first apply transaction of each
   * partition claims it instead.
   */
  void claim(Collection<TopicPartition> partitions) {
    if (!enabled || partitions.isEmpty()) {
      return;
    }
    String token = UUID.randomUUID().toString();
    try (Connection connection = target.getConnection()) {
      connection.setAutoCommit(true);
      prepare(connection);
      if (!enabled) {
        return;
      }
      try (PreparedStatement upsert = connection.prepareStatement(Upsert.SQL)) {
        for (TopicPartition partition : partitions) {
          Upsert.bind(upsert, group, partition, token);
          upsert.addBatch();
        }
        upsert.executeBatch();
      }
      partitions.forEach(partition -> tokens.put(partition, token));
    } catch (SQLException e) {
      partitions.forEach(tokens::remove);
      log.warn("Pipeline {}: could not claim partitions {} on the target ({}); their first apply claims them",
          pipeline, partitions, Applier.reason(e));
    }
  }

  /** Forgets partitions revoked or lost: a batch of theirs still in hand is fenced. */
  void release(Collection<TopicPartition> partitions) {
    partitions.forEach(partition -> tokens.put(partition, "released"));
  }

  /**
   * The fence of one apply transaction over these partitions: before it writes, whether this
   * consumer still holds each partition's claim; a partition it could not claim at assignment is
   * claimed in the transaction, and counts as held only once that transaction committed (rolled
   * back, say on a value the target refuses, the claim is not in the table and the next
   * transaction takes it again).
   */
  ChangeWriter.Fence fence(Collection<TopicPartition> partitions) {
    return new ChangeWriter.Fence() {
      private final Map<TopicPartition, String> claimedHere = new HashMap<>();

      @Override
      public void check(Connection connection) throws SQLException {
        claimedHere.clear();
        ApplyClaims.this.check(connection, partitions, claimedHere);
      }

      @Override
      public void committed() {
        // putIfAbsent: a partition revoked meanwhile stays released
        claimedHere.forEach(tokens::putIfAbsent);
      }
    };
  }

  /** @throws ApplyFencedException when another consumer claimed one of the partitions since */
  private void check(Connection connection, Collection<TopicPartition> partitions,
                     Map<TopicPartition, String> claimedHere) throws SQLException {
    if (!enabled) {
      return;
    }
    for (TopicPartition partition : partitions) {
      String token = tokens.get(partition);
      if (token == null) { // not claimed at assignment (the target was away): claim it now, in this transaction
        prepare(connection);
        token = UUID.randomUUID().toString();
        try (PreparedStatement upsert = connection.prepareStatement(Upsert.SQL)) {
          Upsert.bind(upsert, group, partition, token);
          upsert.executeUpdate();
        }
        claimedHere.put(partition, token);
        continue;
      }
      try (PreparedStatement read = connection.prepareStatement("SELECT token FROM " + TABLE
          + " WHERE consumer_group = ? AND topic = ? AND partition = ? FOR SHARE")) {
        read.setString(1, group);
        read.setString(2, partition.topic());
        read.setInt(3, partition.partition());
        try (ResultSet row = read.executeQuery()) {
          String held = row.next() ? row.getString(1) : null;
          if (!token.equals(held)) {
            throw new ApplyFencedException("pipeline " + pipeline + ": partition " + partition
                + " is applied by another consumer now; this batch of it is not applied");
          }
        }
      }
    }
  }

  /**
   * Creates the table once; without the right to, applies unfenced and says so. Synchronized: the
   * pipeline's consumers share this, and concurrent CREATE TABLE IF NOT EXISTS race in PostgreSQL.
   */
  private synchronized void prepare(Connection connection) throws SQLException {
    if (tableReady) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (consumer_group text NOT NULL, topic text NOT NULL, "
          + "partition int NOT NULL, token text NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now(), "
          + "PRIMARY KEY (consumer_group, topic, partition))");
      tableReady = true;
    } catch (SQLException e) {
      if (CREATED_CONCURRENTLY.contains(e.getSQLState())) { // another instance created it meanwhile
        tableReady = true;
        throw e; // this statement failed all the same; the caller tries again as when the target is away
      }
      if (!"42501".equals(e.getSQLState())) { // not a missing privilege: the target is away, try again later
        throw e;
      }
      enabled = false;
      log.warn("Pipeline {}: the target user may not create {} ({}); apply is NOT fenced across instances: a "
          + "consumer paused past its session could write an older change over a newer one", pipeline, TABLE,
          Applier.reason(e));
    }
  }

  private static final class Upsert {
    static final String SQL = "INSERT INTO " + TABLE + " (consumer_group, topic, partition, token) VALUES (?, ?, ?, ?) "
        + "ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET token = excluded.token, claimed_at = now()";

    static void bind(PreparedStatement upsert, String group, TopicPartition partition, String token)
        throws SQLException {
      upsert.setString(1, group);
      upsert.setString(2, partition.topic());
      upsert.setInt(3, partition.partition());
      upsert.setString(4, token);
    }
  }

  /** A batch of a partition another consumer claimed since: rolled back, not committed. */
  static final class ApplyFencedException extends IllegalStateException {
    ApplyFencedException(String message) {
      super(message);
    }
  }
}
