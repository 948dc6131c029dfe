package dev.strangler.dashboard;

/**
 * What the dashboard needs of the app that hosts it, which implements this as a bean (the
 * gateway does): the hosting app depends on this module, never the other way round, so the
 * dashboard learns the gateway's token and meters only through here.
 */
public interface DashboardHost {

  /** Whether an {@code Authorization} header value (may be null) carries the host's admin token. */
  boolean acceptsAdminToken(String authorization);

  /**
   * The name of the host's per-request timers, tagged {@code route}, {@code target} and
   * {@code outcome}, with a percentile histogram; the dashboard's charts read them.
   */
  String requestsMeter();
}
