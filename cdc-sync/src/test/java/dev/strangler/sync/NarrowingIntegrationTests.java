package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.strangler.sync.verify.Verifier;
import dev.strangler.sync.verify.VerifyResult;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Nothing is cut or rounded: a target column narrower than its source is refused at start-up
 * unless a {@code convert} says what to do; with {@code exact} a value that does not fit is
 * dead-lettered and the verifier reports its row, as the source holds it.
 */
class NarrowingIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("narrow_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("narrow_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("narrow_target");

  static {
    jdbc(source).sql("CREATE TABLE acct (id bigint PRIMARY KEY, note text, amount numeric(12,3), n bigint)").update();
    jdbc(target).sql("CREATE TABLE acct (id bigint PRIMARY KEY, note varchar(30), amount numeric(10,2), n int)").update();
  }

  static ConfigurableApplicationContext start(String... convert) {
    List<String> properties = new java.util.ArrayList<>(List.of(
        "strangler.sync.pipelines.narrow.source=src", "strangler.sync.pipelines.narrow.target=dst",
        "strangler.sync.pipelines.narrow.tables[0].source-table=acct",
        "strangler.sync.pipelines.narrow.tables[0].key[0]=id"));
    properties.addAll(List.of(convert));
    return InProcessCdcSync.start(control, Map.of("src", source, "dst", target), properties.toArray(String[]::new));
  }

  @Test
  void aNarrowingMappingIsRefusedAtStartUpNamingEachColumnAndWhatWouldBeLost() {
    assertThatThrownBy(() -> start().close())
        .rootCause()
        .hasMessageContaining("pipeline 'narrow', tables[0] acct → acct")
        .hasMessageContaining("column 'note' (text) → 'note' (character varying(30)) narrows: a value longer than 30 "
            + "characters would be cut")
        .hasMessageContaining("column 'amount' (numeric(12,3)) → 'amount' (numeric(10,2)) narrows: a value with more "
            + "than 2 decimals would be rounded")
        .hasMessageContaining("column 'n' (bigint) → 'n' (integer) narrows")
        .hasMessageContaining("add convert.note: exact");
  }

  @Test
  void withExactAValueThatDoesNotFitIsDeadLetteredNeverCutAndVerifyReportsItsRow() {
    jdbc(source).sql("INSERT INTO acct VALUES (1, ?, 1.230, 7)").param("x".repeat(30)).update();
    jdbc(source).sql("INSERT INTO acct VALUES (2, ?, 2.5, 8)").param("y".repeat(35)).update();
    jdbc(source).sql("INSERT INTO acct VALUES (3, 'fits', 3.125, 9)").update();
    jdbc(source).sql("INSERT INTO acct VALUES (4, 'fits', 4, 10000000000)").update();
    try (ConfigurableApplicationContext app = start("strangler.sync.pipelines.narrow.tables[0].convert[note]=exact",
        "strangler.sync.pipelines.narrow.tables[0].convert[amount]=exact",
        "strangler.sync.pipelines.narrow.tables[0].convert[n]=exact")) {
      await().atMost(Duration.ofSeconds(90)).until(() -> InProcessCdcSync.count(app, "narrow", "deadLetters") == 3);
      assertThat(jdbc(target).sql("SELECT id, note, amount::text FROM acct ORDER BY id").query().listOfRows())
          .containsExactly(Map.of("id", 1L, "note", "x".repeat(30), "amount", "1.23"));
      VerifyResult verify = app.getBean(Verifier.class).verify("narrow");
      assertThat(verify.equal()).isFalse();
      assertThat(verify.differingKeys()).extracting(k -> k.key().get("id")).containsExactlyInAnyOrder("2", "3", "4");
      // a value that fits exactly (1.230 as 1.23) compares equal
      assertThat(verify.differingKeys()).extracting(k -> k.key().get("id")).doesNotContain("1");
    }
  }
}
