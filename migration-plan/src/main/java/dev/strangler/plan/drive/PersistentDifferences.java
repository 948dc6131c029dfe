package dev.strangler.plan.drive;

import dev.strangler.plan.admin.VerifyResult;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys that differed in every verify of a series, per pipeline. Under live traffic a row in
 * flight differs in one verify and not in the next; a lost or wrongly copied row differs every
 * time.
 */
final class PersistentDifferences {

  private final Map<String, Set<String>> keys = new HashMap<>();

  /**
   * Adds one round of verifies.
   *
   * @return whether some key has differed in every round so far
   */
  boolean add(List<VerifyResult> round) {
    for (VerifyResult result : round) {
      keys.merge(result.pipeline(), differing(result), (before, now) -> {
        before.retainAll(now);
        return before;
      });
    }
    return keys.values().stream().anyMatch(set -> !set.isEmpty());
  }

  /**
   * The latest round, where a pipeline none of whose keys differed throughout counts as equal.
   *
   * @param latest the last round added
   */
  List<VerifyResult> judge(List<VerifyResult> latest) {
    return latest.stream().map(result -> !result.equal() && keys.getOrDefault(result.pipeline(), Set.of()).isEmpty()
        ? new VerifyResult(result.pipeline(), true, result.sourceRows(), result.targetRows(), List.of())
        : result).toList();
  }

  /** A count mismatch without keys counts as a difference of its own, for this round only. */
  private static Set<String> differing(VerifyResult result) {
    Set<String> differing = new HashSet<>(result.differingKeys());
    if (!result.equal() && differing.isEmpty()) {
      differing.add("row counts " + result.sourceRows() + " / " + result.targetRows());
    }
    return differing;
  }
}
