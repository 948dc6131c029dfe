package dev.strangler.gateway.routing;

import java.util.Locale;

/** Who serves a route. */
public enum Mode {
  /** the monolith serves everything: the start and the rollback target */
  LEGACY,
  /** the monolith answers; a copy goes to the new service and the answers are compared */
  SHADOW,
  /** a sticky share of keys goes to the new service */
  CANARY,
  /** the new service serves everything */
  EXTRACTED;

  /** The name used in config, JSON and metrics: lower case. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a mode name, case-insensitively.
   *
   * @param value the name, e.g. {@code canary}
   * @return the mode
   * @throws IllegalArgumentException naming the accepted values when unknown
   */
  public static Mode parse(String value) {
    if (value != null) {
      for (Mode mode : values()) {
        if (mode.name().equalsIgnoreCase(value.trim())) {
          return mode;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown mode '" + value + "': expected one of legacy, shadow, canary, extracted");
  }

  /** Whether the new service serves client traffic in this mode. */
  public boolean servesFromNew() {
    return this == CANARY || this == EXTRACTED;
  }
}
