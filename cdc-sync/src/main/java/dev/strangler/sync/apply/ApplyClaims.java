package dev.strangler.sync.apply;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
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
 * owner's first.
 *
 * <p>The claim row also holds the stream position applied up to from its partition, written in
 * the same transaction as the changes: a consumer that dies after its target transaction but
 * before its Kafka commit leaves offsets behind what the target has, and the partition's next
 * consumer would apply those changes again (a row updated twice in them would go back to its
 * middle value for a moment). Its first transaction finds the position ahead of its batch instead,
 * writes nothing, and reads the batch again skipping what was applied ({@link AlreadyAppliedException}).
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
  ChangeWriter.Fence fence(Collection<TopicPartition> partitions, Function<ChangeEvent, TopicPartition> partitionOf) {
    return new ChangeWriter.Fence() {
      private final Map<TopicPartition, String> claimedHere = new HashMap<>();

      @Override
      public void check(Connection connection, List<ChangeEvent> events) throws SQLException {
        claimedHere.clear();
        Map<TopicPartition, List<ChangeEvent>> byPartition = new HashMap<>();
        for (ChangeEvent event : events) {
          byPartition.computeIfAbsent(partitionOf.apply(event), partition -> new ArrayList<>()).add(event);
        }
        ApplyClaims.this.check(connection, partitions, byPartition, claimedHere);
      }

      @Override
      public void committed() {
        // putIfAbsent: a partition revoked meanwhile stays released
        claimedHere.forEach(tokens::putIfAbsent);
      }
    };
  }

  /**
   * @throws ApplyFencedException when another consumer claimed one of the partitions since
   * @throws AlreadyAppliedException when the target has a change of the transaction applied already
   */
  private void check(Connection connection, Collection<TopicPartition> partitions,
                     Map<TopicPartition, List<ChangeEvent>> events, Map<TopicPartition, String> claimedHere)
      throws SQLException {
    if (!enabled) {
      return;
    }
    for (TopicPartition partition : partitions) {
      String token = tokens.get(partition);
      ChangeEvent.Position applied;
      if (token == null) { // not claimed at assignment (the target was away): claim it now, in this transaction
        prepare(connection);
        token = UUID.randomUUID().toString();
        try (PreparedStatement upsert = connection.prepareStatement(Upsert.SQL + " RETURNING position")) {
          Upsert.bind(upsert, group, partition, token);
          try (ResultSet row = upsert.executeQuery()) {
            row.next();
            applied = ChangeEvent.Position.of(row.getString(1));
          }
        }
        claimedHere.put(partition, token);
      } else {
        // FOR UPDATE: a claim waits for this transaction, and so does a fenced consumer's
        try (PreparedStatement read = connection.prepareStatement("SELECT token, position FROM " + TABLE
            + " WHERE consumer_group = ? AND topic = ? AND partition = ? FOR UPDATE")) {
          read.setString(1, group);
          read.setString(2, partition.topic());
          read.setInt(3, partition.partition());
          try (ResultSet row = read.executeQuery()) {
            boolean found = row.next();
            if (!found || !token.equals(row.getString(1))) {
              throw new ApplyFencedException("pipeline " + pipeline + ": partition " + partition
                  + " is applied by another consumer now; this batch of it is not applied");
            }
            applied = ChangeEvent.Position.of(row.getString(2));
          }
        }
      }
      advance(connection, partition, applied, events.getOrDefault(partition, List.of()));
    }
  }

  /** Moves the partition's applied position past the transaction's changes, none of which may be at or below it. */
  private void advance(Connection connection, TopicPartition partition, ChangeEvent.Position applied,
                       List<ChangeEvent> events) throws SQLException {
    ChangeEvent.Position highest = applied;
    for (ChangeEvent event : events) {
      ChangeEvent.Position position = event.position();
      if (position == null) {
        continue;
      }
      // the applier's own rule (Applier#isReplay): a snapshot read below the position, a streamed change at or below it
      if (applied != null && (event.snapshot() ? position.compareTo(applied) < 0 : position.compareTo(applied) <= 0)) {
        throw new AlreadyAppliedException(partition, applied);
      }
      if (!event.snapshot() && (highest == null || position.compareTo(highest) > 0)) {
        highest = position;
      }
    }
    if (highest != null && !highest.equals(applied)) {
      try (PreparedStatement update = connection.prepareStatement("UPDATE " + TABLE
          + " SET position = ? WHERE consumer_group = ? AND topic = ? AND partition = ?")) {
        update.setString(1, highest.text());
        update.setString(2, group);
        update.setString(3, partition.topic());
        update.setInt(4, partition.partition());
        update.executeUpdate();
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
          + "position text, PRIMARY KEY (consumer_group, topic, partition))");
      addPositionColumn(statement);
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

  /**
   * Adds the position to a table from before positions were kept. Only if it is missing: an ALTER
   * TABLE, even one that changes nothing, waits for every apply in flight and holds up the next.
   */
  private static void addPositionColumn(Statement statement) throws SQLException {
    try (ResultSet column = statement.executeQuery("SELECT 1 FROM information_schema.columns WHERE table_schema = "
        + "current_schema() AND table_name = '" + TABLE + "' AND column_name = 'position'")) {
      if (column.next()) {
        return;
      }
    }
    statement.execute("ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS position text");
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

  /**
   * A transaction with a change the target has already: rolled back; the batch is read again from
   * the partition's position, which the target's claim row says.
   */
  static final class AlreadyAppliedException extends IllegalStateException {
    private final transient TopicPartition partition;
    private final transient ChangeEvent.Position applied;

    AlreadyAppliedException(TopicPartition partition, ChangeEvent.Position applied) {
      super("partition " + partition + " is applied up to " + applied.text() + " on the target already");
      this.partition = partition;
      this.applied = applied;
    }

    TopicPartition partition() {
      return partition;
    }

    ChangeEvent.Position applied() {
      return applied;
    }
  }

  /** A batch of a partition another consumer claimed since: rolled back, not committed. */
  static final class ApplyFencedException extends IllegalStateException {
    ApplyFencedException(String message) {
      super(message);
    }
  }
}
