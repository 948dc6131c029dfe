package dev.strangler.sync.verify;

import java.util.List;

/**
 * What a repair did, or would do on a dry run.
 *
 * @param applied false for a dry run: nothing was written
 * @param inserts rows missing in the target (copied from the source)
 * @param updates rows that differ (overwritten from the source)
 * @param deletes target rows the source lacks (deleted)
 * @param keys the keys concerned
 * @param stillDiffering after an applied repair, the keys a re-verify still found different
 *        (e.g. written again by traffic meanwhile); empty on a dry run
 */
public record RepairResult(boolean applied, int inserts, int updates, int deletes, List<VerifyResult.DifferingKey> keys,
                           List<VerifyResult.DifferingKey> stillDiffering) {

  public int total() {
    return inserts + updates + deletes;
  }
}
