package dev.strangler.plan.admin;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** cdc-sync's admin API: pipeline state and lag, the data diff, a snapshot taken again. */
public class SyncAdmin {

  private final AdminClient client;

  public SyncAdmin(AdminClient client) {
    this.client = client;
  }

  public PipelineStatus pipeline(String name) {
    return status(name, client.get("/admin/pipelines/" + name));
  }

  /** Takes the pipeline's snapshot again, streaming on meanwhile; answers its state (SNAPSHOT). */
  public PipelineStatus snapshot(String name) {
    return status(name, client.post("/admin/pipelines/" + name + "/snapshot", null));
  }

  private static PipelineStatus status(String name, JsonNode node) {
    if (node == null) {
      throw new AdminException(AdminException.Kind.REJECTED, "cdc-sync answered without a pipeline body");
    }
    JsonNode lastVerify = JsonFields.first(node, "lastVerify");
    Boolean lastEqual = lastVerify == null || !lastVerify.has("equal") ? null : lastVerify.get("equal").asBoolean();
    JsonNode lag = JsonFields.first(node, "lag");
    return new PipelineStatus(name, JsonFields.textOf(node, "state"),
        lag == null ? null : JsonFields.doubleOf(lag, "lastMillis"),
        JsonFields.longOf(node, "deadLetters"), JsonFields.longOf(node, "conflicts"), lastEqual);
  }

  public VerifyResult verify(String name) {
    JsonNode node = client.post("/admin/pipelines/" + name + "/verify", null);
    if (node == null || !node.has("equal")) {
      throw new AdminException(AdminException.Kind.REJECTED, "cdc-sync answered verify of " + name + " without 'equal'");
    }
    List<String> keys = new ArrayList<>();
    JsonNode differing = node.get("differingKeys");
    if (differing != null) {
      differing.forEach(key -> keys.add(key.isValueNode() ? key.asString() : key.toString()));
    }
    return new VerifyResult(name, node.get("equal").asBoolean(), JsonFields.longOf(node, "sourceRows"),
        JsonFields.longOf(node, "targetRows"), keys);
  }
}
