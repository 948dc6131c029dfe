package dev.strangler.sync.verify;

import java.util.List;
import java.util.Map;

/**
 * What a verification found.
 *
 * @param equal whether source and target are equal through the mapping
 * @param sourceRows rows in the source tables
 * @param targetRows rows in the target tables
 * @param differingKeys rows that differ (missing on one side or different), capped at 1 000
 * @param tables the same per table (empty for a re-verify of given keys)
 * @param resumedChunks chunks not compared again because the progress a cut verify stored covered them
 *        (0: this run started from the beginning)
 */
public record VerifyResult(boolean equal, long sourceRows, long targetRows, List<DifferingKey> differingKeys,
                           List<TableResult> tables, int resumedChunks) {

  /**
   * @param table the target table
   * @param key target key column → value (as text)
   * @param problem {@code missing-in-target}, {@code missing-in-source} or {@code different}
   */
  public record DifferingKey(String table, Map<String, String> key, String problem) {}

  /**
   * @param source the source table
   * @param target the target table
   * @param sourceRows rows in it
   * @param targetRows rows in the target
   * @param chunks key ranges compared
   * @param differingChunks key ranges whose checksums differed
   */
  public record TableResult(String source, String target, long sourceRows, long targetRows, int chunks,
                            int differingChunks) {}
}
