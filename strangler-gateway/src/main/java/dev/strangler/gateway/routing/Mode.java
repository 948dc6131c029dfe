package dev.strangler.gateway.routing;

import java.util.Locale;

/** Who serves a route. */
public enum Mode {
  /** the monolith serves everything: the start and the rollback target */
  LEGACY,
  /** the monolith answers; a copy goes to the new service and the answers are compared */
  SHADOW,
  /**
   * safe requests (the route's {@code reads.methods}, GET and HEAD by default) go to the new
   * service, writes stay on the monolith; the forward pipelines keep the new side current
   */
  READS,
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
        "unknown mode '" + value + "': expected one of legacy, shadow, reads, canary, extracted");
  }

  /** Whether the new service serves client traffic in this mode (in reads: the safe requests). */
  public boolean servesFromNew() {
    return this == READS || this == CANARY || this == EXTRACTED;
  }

  /**
   * The share of a route's writes the new side answers (and so owns), 0–100: none in legacy,
   * shadow (shadow copies are not answers) and reads, the canary percent, all in extracted. The
   * one place this rule lives: metrics, the fence and rollbacks read it here.
   *
   * @param percent the canary percent; ignored in the other modes
   */
  public double writeShare(double percent) {
    return switch (this) {
      case LEGACY, SHADOW, READS -> 0;
      case CANARY -> percent;
      case EXTRACTED -> 100;
    };
  }

  /** The share of a route's safe requests (reads) the new side answers, 0–100: all in reads mode. */
  public double readShare(double percent) {
    return this == READS ? 100 : writeShare(percent);
  }
}
