package dev.strangler.monolith;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The legacy schema keeps timestamps as {@code timestamp} (no zone) in UTC, with the
 * millisecond precision the API answers.
 */
public final class Timestamps {

  private Timestamps() {}

  /** @param clock the app's clock  @return now, truncated to milliseconds */
  public static Instant now(Clock clock) {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** @param instant a point in time  @return the UTC wall-clock value stored in the database */
  public static LocalDateTime toDatabase(Instant instant) {
    return instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** @param value a stored UTC wall-clock value, may be null  @return the instant, or null */
  public static Instant fromDatabase(LocalDateTime value) {
    return value == null ? null : value.toInstant(ZoneOffset.UTC);
  }
}
