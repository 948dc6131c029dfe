package dev.strangler.plan.admin;

import java.util.List;

/**
 * A data diff of one pipeline through its mapping.
 *
 * @param pipeline pipeline name
 * @param equal whether source and target hold the same rows
 * @param sourceRows rows in the source
 * @param targetRows rows in the target
 * @param differingKeys keys whose rows differ (may be capped by cdc-sync)
 */
public record VerifyResult(String pipeline, boolean equal, long sourceRows, long targetRows, List<String> differingKeys) {}
