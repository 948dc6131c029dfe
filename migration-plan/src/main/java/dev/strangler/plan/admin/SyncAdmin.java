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
    List<String> keyProblems = new ArrayList<>();
    JsonNode ranges = node.get("keyRanges");
    if (ranges != null && ranges.isArray()) {
      for (JsonNode range : ranges) {
        String status = JsonFields.textOf(range, "status");
        if (status != null && !status.equals("OK")) {
          keyProblems.add(JsonFields.textOf(range, "table") + "." + JsonFields.textOf(range, "column") + " " + status
              + ": " + JsonFields.textOf(range, "problem") + "; fix: " + JsonFields.textOf(range, "fix"));
        }
      }
    }
    return new PipelineStatus(name, JsonFields.textOf(node, "state"),
        lag == null ? null : JsonFields.doubleOf(lag, "lastMillis"),
        JsonFields.longOf(node, "deadLetters"), JsonFields.longOf(node, "conflicts"), lastEqual, keyProblems);
  }

  /**
   * The {@code CREATE TABLE} statements of the pipeline's target tables, built by cdc-sync from the
   * source's columns through the mapping ({@code GET /admin/pipelines/{name}/ddl}).
   *
   * @param liquibase as a Liquibase formatted-SQL changelog instead of plain SQL
   * @param all every target table, not only the missing ones
   */
  public TargetDdl ddl(String name, boolean liquibase, boolean all) {
    JsonNode node = client.get("/admin/pipelines/" + name + "/ddl?format=" + (liquibase ? "liquibase" : "sql")
        + "&all=" + all);
    if (node == null || !node.has("script")) {
      throw new AdminException(AdminException.Kind.REJECTED, "cdc-sync answered the DDL of " + name + " without 'script'");
    }
    List<String> missing = new ArrayList<>();
    JsonNode tables = node.get("tables");
    if (tables != null) {
      tables.forEach(table -> {
        if (!table.path("exists").asBoolean(true)) {
          missing.add(JsonFields.textOf(table, "table"));
        }
      });
    }
    return new TargetDdl(name, JsonFields.textOf(node, "datasource"), missing, node.get("script").asString());
  }

  /**
   * @param pipeline the pipeline  @param datasource its target datasource, where the script runs
   * @param missing the target tables that do not exist yet  @param script the statements
   */
  public record TargetDdl(String pipeline, String datasource, List<String> missing, String script) {}

  public VerifyResult verify(String name) {
    return verifyResult(name, client.post("/admin/pipelines/" + name + "/verify", null));
  }

  /**
   * Re-verifies only the given keys, as a verify named them ({@link VerifyResult#differingKeys()}:
   * JSON objects with {@code table} and {@code key}): one lookup per key on each side.
   */
  public VerifyResult verifyKeys(String name, List<String> differingKeys) {
    List<java.util.Map<String, Object>> keys = new ArrayList<>();
    for (String key : differingKeys) {
      JsonNode node = KEYS.readTree(key);
      keys.add(java.util.Map.of("table", node.path("table").asString(), "key", node.path("key")));
    }
    return verifyResult(name, client.post("/admin/pipelines/" + name + "/verify", java.util.Map.of("keys", keys)));
  }

  private static final tools.jackson.databind.json.JsonMapper KEYS = tools.jackson.databind.json.JsonMapper.builder().build();

  private static VerifyResult verifyResult(String name, JsonNode node) {
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

  /**
   * Asks cdc-sync to repair the keys a verify finds: a dry run that only counts unless {@code apply}.
   *
   * @param name the pipeline  @param apply true to write  @param by who asks, for cdc-sync's audit
   */
  public RepairResult repair(String name, boolean apply, String by) {
    JsonNode node = client.post("/admin/pipelines/" + name + "/repair", java.util.Map.of("apply", apply, "by", by));
    if (node == null || !node.has("applied")) {
      throw new AdminException(AdminException.Kind.REJECTED, "cdc-sync answered repair of " + name + " without 'applied'");
    }
    JsonNode still = node.get("stillDiffering");
    return new RepairResult(name, node.get("applied").asBoolean(), (int) JsonFields.longOf(node, "inserts"),
        (int) JsonFields.longOf(node, "updates"), (int) JsonFields.longOf(node, "deletes"),
        still == null ? 0 : still.size());
  }

  /**
   * @param pipeline the pipeline  @param applied false for a dry run
   * @param inserts rows copied (or to copy) into the target  @param updates rows overwritten
   * @param deletes target rows deleted  @param stillDiffering keys a re-verify after the repair still found different
   */
  public record RepairResult(String pipeline, boolean applied, int inserts, int updates, int deletes,
                             int stillDiffering) {}
}
