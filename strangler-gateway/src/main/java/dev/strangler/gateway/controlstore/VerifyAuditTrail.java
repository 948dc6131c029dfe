package dev.strangler.gateway.controlstore;

import dev.strangler.dashboard.ActionAudit;
import dev.strangler.gateway.routing.ManagedRoute;
import dev.strangler.gateway.routing.RouteTable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes the dashboard's verify runs into the gateway's audit trail, one row per route the
 * pipeline belongs to: the routes the dashboard lists it under and the routes whose write fence
 * waits for it ({@code routes.<name>.sync.pipelines}). A pipeline under no route is audited under
 * route {@value #NO_ROUTE}.
 */
final class VerifyAuditTrail implements ActionAudit {

  static final String NO_ROUTE = "-";

  private final ControlStore store;
  private final RouteTable table;

  /**
   * @param store the audit trail
   * @param table the routes, for their live mode
   */
  VerifyAuditTrail(ControlStore store, RouteTable table) {
    this.store = store;
    this.table = table;
  }

  @Override
  public void verified(String pipeline, List<String> routes, String actor, String reason, String outcome,
                       String detail) {
    Set<ManagedRoute> owners = new LinkedHashSet<>();
    for (String name : routes) {
      ManagedRoute route = table.route(name);
      if (route != null) {
        owners.add(route);
      }
    }
    for (ManagedRoute route : table.routes()) {
      if (route.fencing().pipelines().contains(pipeline)) {
        owners.add(route);
      }
    }
    if (owners.isEmpty()) {
      store.verified(NO_ROUTE, null, pipeline, outcome, detail, reason, actor);
    }
    for (ManagedRoute route : owners) {
      store.verified(route.name(), route.state(), pipeline, outcome, detail, reason, actor);
    }
  }
}
