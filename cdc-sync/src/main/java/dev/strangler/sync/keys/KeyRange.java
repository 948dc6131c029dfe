package dev.strangler.sync.keys;

/**
 * Whether the sequence behind one target key column can hand out a key that is already taken, or
 * that the other side will also hand out.
 *
 * @param table the target table
 * @param column the target key column
 * @param sequence the target's sequence behind it (serial or identity)
 * @param nextValue the value the target's sequence hands out next
 * @param increment its increment
 * @param maxTargetKey the largest key on the target, null when it has no row
 * @param maxSourceKey the largest key of the source table, null when it has no row
 * @param reversePipeline the pipeline copying the target table back to the source table, null if none
 * @param status {@code OK}; {@code COLLIDES}: the next value is not beyond the keys already there;
 *     {@code MAY_MEET}: both sides' sequences will hand out the same key (pipelines both ways);
 *     {@code UNCHECKED}: it could not be read (see {@code problem})
 * @param problem what is wrong, null when OK
 * @param fix the exact fix, null when OK
 */
public record KeyRange(String table, String column, String sequence, Long nextValue, Long increment,
                       Long maxTargetKey, Long maxSourceKey, String reversePipeline, Status status, String problem,
                       String fix) {

  /** What the check found. */
  public enum Status { OK, COLLIDES, MAY_MEET, UNCHECKED }
}
