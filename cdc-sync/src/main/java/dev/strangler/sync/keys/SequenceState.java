package dev.strangler.sync.keys;

/**
 * A sequence as it stands.
 *
 * @param name its qualified name, as {@code pg_get_serial_sequence} gives it
 * @param lastValue {@code last_value}
 * @param called {@code is_called}: whether {@code last_value} was handed out already
 * @param increment its increment
 * @param maxValue its {@code MAXVALUE}
 */
record SequenceState(String name, long lastValue, boolean called, long increment, long maxValue) {

  /** The value the next {@code nextval} hands out. */
  long next() {
    return called ? lastValue + increment : lastValue;
  }
}
