package dev.strangler.sync.capture;

/**
 * The mark an applier leaves in every transaction it commits: a transactional logical decoding
 * message, {@code pg_logical_emit_message(true, 'strangler-sync', '<datasource the change came from>')},
 * written first in the transaction. A capture engine that sees this message drops every change
 * of the same transaction when the message names its own pipeline's target, so a change never
 * travels back to where it came from. No table is needed in the user's databases.
 */
public final class EchoMarker {

  /** The logical decoding message prefix. */
  public static final String PREFIX = "strangler-sync";

  /** SQL to run first in an apply transaction; one parameter: the origin datasource name. */
  public static final String SQL = "SELECT pg_logical_emit_message(true, '" + PREFIX + "', ?)";

  private EchoMarker() {}
}
