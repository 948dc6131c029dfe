package dev.strangler.dashboard;

import java.util.List;

/**
 * Records the page's actions that are not route switches (the gateway audits those itself) in
 * the gateway's audit trail. The gateway provides it; without one a verify is only logged.
 */
public interface ActionAudit {

  /**
   * A verify run from the page. Called on a worker thread: it may block.
   *
   * @param pipeline the cdc-sync pipeline verified
   * @param routes the routes the dashboard lists it under ({@code strangler.dashboard.route-pipelines}), maybe none
   * @param actor who asked
   * @param reason the operator's reason
   * @param outcome {@code equal}, {@code different} or {@code failed}
   * @param detail what was found (rows on each side, differing keys) or why it failed
   */
  void verified(String pipeline, List<String> routes, String actor, String reason, String outcome, String detail);
}
