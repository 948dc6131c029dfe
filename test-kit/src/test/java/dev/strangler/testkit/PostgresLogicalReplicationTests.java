package dev.strangler.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresLogicalReplicationTests {

  @Test
  void serverRunsWithLogicalWal() throws Exception {
    TestDatabase database = TestInfrastructure.freshDatabase("kit_wal");
    try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
      ResultSet result = statement.executeQuery("SHOW wal_level");
      result.next();
      assertThat(result.getString(1)).isEqualTo("logical");
    }
  }

  @Test
  void pgoutputSlotCanBeCreatedAndDecodesACommittedChange() throws Exception {
    TestDatabase database = TestInfrastructure.freshDatabase("kit_slot");
    try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE items (id bigint PRIMARY KEY, name text)");
      statement.execute("CREATE PUBLICATION kit_pub FOR TABLE items");
      ResultSet slot = statement.executeQuery(
          "SELECT slot_name FROM pg_create_logical_replication_slot('kit_slot_" + database.name() + "', 'pgoutput')");
      assertThat(slot.next()).isTrue();
      statement.execute("INSERT INTO items VALUES (1, 'first')");

      ResultSet changes = statement.executeQuery(
          "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('kit_slot_" + database.name()
              + "', NULL, NULL, 'proto_version', '1', 'publication_names', 'kit_pub')");
      changes.next();
      assertThat(changes.getInt(1)).as("begin, relation, insert, commit").isGreaterThanOrEqualTo(3);

      statement.execute("SELECT pg_drop_replication_slot('kit_slot_" + database.name() + "')");
    }
  }

  @Test
  void freshDatabasesAreSeparateAndEmpty() throws Exception {
    TestDatabase first = TestInfrastructure.freshDatabase("kit_fresh");
    TestDatabase second = TestInfrastructure.freshDatabase("kit_fresh");
    assertThat(first.name()).isNotEqualTo(second.name());
    try (Connection connection = first.connect(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE only_in_first (id int)");
    }
    try (Connection connection = second.connect(); Statement statement = connection.createStatement()) {
      ResultSet tables = statement.executeQuery(
          "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'");
      tables.next();
      assertThat(tables.getInt(1)).isZero();
    }
  }

  @Test
  void aFreshDatabaseOnTheRunningServerTakesWellUnderASecond() {
    TestInfrastructure.postgres();
    long start = System.nanoTime();
    TestInfrastructure.freshDatabase("kit_speed");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).isLessThan(1000);
  }
}
