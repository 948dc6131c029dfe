package dev.strangler.plan.drive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.plan.admin.VerifyResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class PersistentDifferencesTests {

  @Test
  void rowsInFlightThatLandByTheNextVerifyDoNotCount() {
    PersistentDifferences differences = new PersistentDifferences();
    assertThat(differences.add(List.of(different("members", 10, 12, "a", "b")))).isTrue();
    assertThat(differences.add(List.of(different("members", 11, 13, "b", "c")))).isTrue(); // b still differs
    List<VerifyResult> last = List.of(different("members", 12, 13, "c"));
    assertThat(differences.add(last)).isFalse(); // nothing differed throughout

    VerifyResult judged = differences.judge(last).get(0);
    assertThat(judged.equal()).isTrue();
    assertThat(judged.differingKeys()).isEmpty();
  }

  @Test
  void aRowThatDiffersEveryTimeFailsTheDiff() {
    PersistentDifferences differences = new PersistentDifferences();
    differences.add(List.of(different("members", 10, 9, "lost", "a"), equal("accounts")));
    List<VerifyResult> last = List.of(different("members", 11, 10, "lost", "b"), equal("accounts"));
    assertThat(differences.add(last)).isTrue();

    List<VerifyResult> judged = differences.judge(last);
    assertThat(judged.get(0).equal()).isFalse();
    assertThat(judged.get(0).differingKeys()).containsExactly("lost", "b");
    assertThat(judged.get(1).equal()).isTrue();
  }

  @Test
  void aCountMismatchWithoutKeysCountsUntilTheCountsMatch() {
    PersistentDifferences differences = new PersistentDifferences();
    List<VerifyResult> once = List.of(different("orders", 5, 4));
    assertThat(differences.add(once)).isTrue();
    assertThat(differences.judge(once).get(0).equal()).isFalse();
    List<VerifyResult> again = List.of(different("orders", 6, 5));
    assertThat(differences.add(again)).isFalse(); // other counts: rows in flight, not the same gap
  }

  private static VerifyResult different(String pipeline, long source, long target, String... keys) {
    return new VerifyResult(pipeline, false, source, target, List.of(keys));
  }

  private static VerifyResult equal(String pipeline) {
    return new VerifyResult(pipeline, true, 3, 3, List.of());
  }
}
