package dev.strangler.sync.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The apply fence on a real PostgreSQL target: two consumers of one group (as two cdc-sync
 * instances are) and one partition that moved from the first to the second while the first was
 * paused past its session.
 */
class ApplyClaimsIntegrationTests {

  private static final TopicPartition PARTITION = new TopicPartition("fence.public.acct", 2);
  private static DataSource target;

  @BeforeAll
  static void target() {
    TestDatabase database = TestInfrastructure.freshDatabase("apply_claims");
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(database.jdbcUrl());
    dataSource.setUser(database.username());
    dataSource.setPassword(database.password());
    target = dataSource;
  }

  @Test
  void aConsumerWhosePartitionWasClaimedSinceIsFencedAndTheNewOwnerIsNot() throws SQLException {
    ApplyClaims paused = new ApplyClaims(target, "cdc-sync.fenced", "fenced");
    ApplyClaims next = new ApplyClaims(target, "cdc-sync.fenced", "fenced");
    paused.claim(List.of(PARTITION));
    apply(paused, PARTITION); // its own claim: passes
    next.claim(List.of(PARTITION)); // the group gave the partition to the other consumer

    assertThatThrownBy(() -> apply(paused, PARTITION))
        .isInstanceOf(ApplyClaims.ApplyFencedException.class).hasMessageContaining(PARTITION.toString());
    apply(next, PARTITION);
    // revoked from the new owner too: a batch of it still in hand is fenced, without a claim by anyone
    next.release(List.of(PARTITION));
    assertThatThrownBy(() -> apply(next, PARTITION))
        .isInstanceOf(ApplyClaims.ApplyFencedException.class);
  }

  @Test
  void aClaimWaitsForTheApplyInFlightSoTheOldOwnersLastBatchIsInBeforeTheNewOwnersFirst() throws Exception {
    ApplyClaims old = new ApplyClaims(target, "cdc-sync.waits", "waits");
    ApplyClaims next = new ApplyClaims(target, "cdc-sync.waits", "waits");
    old.claim(List.of(PARTITION));
    try (Connection applying = target.getConnection()) {
      applying.setAutoCommit(false);
      fence(old, PARTITION).check(applying, List.of()); // the old owner's batch has passed its fence and is writing
      CompletableFuture<Void> claimed = CompletableFuture.runAsync(() -> next.claim(List.of(PARTITION)));
      await().atMost(Duration.ofSeconds(10)).until(() -> claimWaitsForALock());
      assertThat(claimed).isNotDone();
      applying.commit();
      claimed.get();
    }
    assertThatThrownBy(() -> apply(old, PARTITION))
        .isInstanceOf(ApplyClaims.ApplyFencedException.class);
  }

  @Test
  void aClaimTakenByAnApplyThatRolledBackIsTakenAgainByTheNextApply() throws SQLException {
    TopicPartition partition = new TopicPartition("fence.public.acct", 5);
    // its claim at assignment failed (the target was away): the first apply claims the partition
    ApplyClaims claims = new ApplyClaims(target, "cdc-sync.rolledback", "rolledback");
    assertThatThrownBy(() -> inTransaction(connection -> {
      fence(claims, partition).check(connection, List.of());
      throw new SQLException("value too long for type character varying(30)", "22001"); // a dead letter's error
    })).hasMessageContaining("too long");

    apply(claims, partition); // not fenced by the claim that was rolled back
    apply(claims, partition);
    ApplyClaims next = new ApplyClaims(target, "cdc-sync.rolledback", "rolledback");
    next.claim(List.of(partition));
    assertThatThrownBy(() -> apply(claims, partition)).isInstanceOf(ApplyClaims.ApplyFencedException.class);
  }

  @Test
  void theNextConsumerOfAPartitionFindsWhatTheTargetAppliedBeyondTheKafkaCommitAndWritesNothingOfIt() throws SQLException {
    TopicPartition partition = new TopicPartition("fence.public.acct", 7);
    ApplyClaims died = new ApplyClaims(target, "cdc-sync.replayed", "replayed");
    died.claim(List.of(partition));
    // applied on the target; the process died before its Kafka commit
    apply(died, partition, List.of(change(100, 101), change(100, 102), change(110, 111)));
    ApplyClaims next = new ApplyClaims(target, "cdc-sync.replayed", "replayed");
    next.claim(List.of(partition));

    // the group's offsets give the next consumer the same changes again, and one past them
    assertThatThrownBy(() -> apply(next, partition, List.of(change(100, 102), change(110, 111), change(120, 121))))
        .isInstanceOfSatisfying(ApplyClaims.AlreadyAppliedException.class, applied -> {
          assertThat(applied.partition()).isEqualTo(partition);
          assertThat(applied.applied()).isEqualTo(new ChangeEvent.Position(110, 111));
        });
    // read again without what the target has: applied, and the position moves on
    apply(next, partition, List.of(change(120, 121)));
    assertThatThrownBy(() -> apply(next, partition, List.of(change(120, 121))))
        .isInstanceOf(ApplyClaims.AlreadyAppliedException.class);
  }

  /** One apply transaction through the partition's fence, as {@link ChangeWriter#apply} runs it. */
  private static void apply(ApplyClaims claims, TopicPartition partition) throws SQLException {
    apply(claims, partition, List.of());
  }

  private static void apply(ApplyClaims claims, TopicPartition partition, List<ChangeEvent> events) throws SQLException {
    ChangeWriter.Fence fence = fence(claims, partition);
    inTransaction(connection -> fence.check(connection, events));
    fence.committed();
  }

  private static ChangeWriter.Fence fence(ApplyClaims claims, TopicPartition partition) {
    return claims.fence(List.of(partition), event -> partition);
  }

  private static ChangeEvent change(long commit, long lsn) {
    return new ChangeEvent(null, "u", null, null, 0, false, "key", "{}", new ChangeEvent.Position(commit, lsn),
        java.util.Set.of(), null);
  }

  private static boolean claimWaitsForALock() throws SQLException {
    try (Connection connection = target.getConnection(); Statement statement = connection.createStatement();
         ResultSet row = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
             + "AND query LIKE 'INSERT INTO " + ApplyClaims.TABLE + "%'")) {
      row.next();
      return row.getLong(1) > 0;
    }
  }

  private interface InTransaction {
    void run(Connection connection) throws SQLException;
  }

  private static void inTransaction(InTransaction work) throws SQLException {
    try (Connection connection = target.getConnection()) {
      connection.setAutoCommit(false);
      try {
        work.run(connection);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }
}
