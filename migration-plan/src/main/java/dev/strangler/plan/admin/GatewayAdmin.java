package dev.strangler.plan.admin;

import static dev.strangler.plan.admin.JsonFields.doubleOf;
import static dev.strangler.plan.admin.JsonFields.first;
import static dev.strangler.plan.admin.JsonFields.instantOf;
import static dev.strangler.plan.admin.JsonFields.longOf;
import static dev.strangler.plan.admin.JsonFields.textOf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The gateway's admin API: routes, their live figures, switches and rollbacks. */
public class GatewayAdmin {

  private final AdminClient client;

  public GatewayAdmin(AdminClient client) {
    this.client = client;
  }

  public List<RouteStatus> routes() {
    JsonNode answer = client.get("/admin/routes");
    JsonNode items = answer != null && answer.has("routes") ? answer.get("routes") : answer;
    List<RouteStatus> routes = new ArrayList<>();
    if (items != null) {
      for (JsonNode item : items) {
        routes.add(status(item));
      }
    }
    return routes;
  }

  public RouteStatus route(String name) {
    return status(client.get("/admin/routes/" + name));
  }

  public RouteStatus switchTo(String name, String mode, int percent, String reason) {
    return switchTo(name, mode, percent, reason, false);
  }

  /** @param force skip the write fence (audited as forced): for emergencies only */
  public RouteStatus switchTo(String name, String mode, int percent, String reason, boolean force) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("mode", mode);
    if ("canary".equals(mode)) {
      body.put("percent", percent);
    }
    body.put("reason", audited(reason));
    if (force) {
      body.put("force", true);
    }
    return status(client.put("/admin/routes/" + name, body));
  }

  public RouteStatus rollback(String name, String reason) {
    return status(client.post("/admin/routes/" + name + "/rollback", Map.of("reason", audited(reason))));
  }

  /** The gateway keeps at most 1 000 characters of a reason and refuses longer ones: a long gate report is cut. */
  static String audited(String reason) {
    return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON - 1) + "…";
  }

  static final int MAX_REASON = 1000;

  static RouteStatus status(JsonNode node) {
    if (node == null) {
      throw new AdminException(AdminException.Kind.REJECTED, "gateway answered without a route body");
    }
    // the gateway's "window": outcomes of requests the new side served, over the budget window
    JsonNode extracted = first(node, "window");
    JsonNode shadow = first(node, "shadow");
    long compared = shadow == null ? 0 : longOf(shadow, "matched") + longOf(shadow, "mismatched");
    Double mismatchRate = compared == 0 ? null : (double) longOf(shadow, "mismatched") / compared;
    long requests = extracted == null ? 0 : longOf(extracted, "requests");
    return new RouteStatus(
        textOf(node, "name"),
        textOf(node, "mode"),
        (int) longOf(node, "percent"),
        instantOf(node, "updatedAt"),
        requests,
        extracted == null || requests == 0 ? null : doubleOf(extracted, "errorRate"),
        extracted == null || requests == 0 ? null : doubleOf(extracted, "p99Millis"),
        compared,
        mismatchRate,
        fencedPipelines(first(node, "fence")));
  }

  private static List<String> fencedPipelines(JsonNode fence) {
    List<String> pipelines = new ArrayList<>();
    if (fence != null && fence.get("pipelines") != null) {
      fence.get("pipelines").forEach(p -> pipelines.add(p.asString()));
    }
    return pipelines;
  }
}
