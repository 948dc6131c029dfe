package dev.strangler.sync.admin;

import dev.strangler.sync.mapping.TargetTables;
import dev.strangler.sync.deployment.CatchUpResult;
import dev.strangler.sync.deployment.Pipelines;
import dev.strangler.sync.verify.RepairResult;
import dev.strangler.sync.verify.Repairer;
import dev.strangler.sync.verify.Verifier;
import dev.strangler.sync.verify.VerifyResult;
import java.util.List;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The admin API, served by the management child context only (management port). */
@RestController
@RequestMapping("/admin/pipelines")
class AdminController {

  static final long DEFAULT_CATCH_UP_MILLIS = 2000;
  static final long MAX_CATCH_UP_MILLIS = 60_000;

  private final Pipelines pipelines;
  private final Verifier verifier;
  private final Repairer repairer;

  AdminController(Pipelines pipelines, Verifier verifier, Repairer repairer) {
    this.pipelines = pipelines;
    this.verifier = verifier;
    this.repairer = repairer;
  }

  @GetMapping
  List<PipelineView> list() {
    return pipelines.all().stream().map(p -> PipelineView.of(p, pipelines, verifier)).toList();
  }

  @GetMapping("/{name}")
  PipelineView get(@PathVariable String name) {
    return PipelineView.of(pipelines.get(name), pipelines, verifier);
  }

  /**
   * The {@code CREATE TABLE} of each of the pipeline's target tables (also of a disabled pipeline) and,
   * as {@code script}, those of the missing ones (every one with {@code all=true}), as SQL or, with
   * {@code format=liquibase}, as a Liquibase formatted-SQL changelog.
   */
  @GetMapping("/{name}/ddl")
  TargetDdl ddl(@PathVariable String name, @RequestParam(defaultValue = "sql") String format,
                @RequestParam(defaultValue = "false") boolean all) {
    if (!format.equals("sql") && !format.equals("liquibase")) {
      throw new InvalidRequestException("format must be sql or liquibase, was " + format);
    }
    List<TargetTables.TargetTable> tables = pipelines.targetTables(name);
    List<TargetTables.TargetTable> scripted = tables.stream().filter(t -> all || !t.exists()).toList();
    return new TargetDdl(name, pipelines.get(name).config().target(), tables,
        TargetTables.script(name, scripted, format.equals("liquibase")));
  }

  /**
   * @param pipeline the pipeline  @param datasource the target datasource, where the script runs
   * @param tables every target table, whether it exists, and its DDL
   * @param script the statements asked for, ready to run
   */
  record TargetDdl(String pipeline, String datasource, List<TargetTables.TargetTable> tables, String script) {}

  /** A whole verify, or with a body {@code {"keys": [...]}} a re-verify of only those keys. */
  @PostMapping("/{name}/verify")
  VerifyResult verify(@PathVariable String name, @RequestBody(required = false) KeysRequest request) {
    if (request == null || request.keys() == null) {
      return verifier.verify(name);
    }
    return verifier.verifyKeys(name, request.keys());
  }

  /** @param keys target table and target key column → value of each key */
  record KeysRequest(List<Verifier.RequestedKey> keys) {}

  /**
   * Re-copies the differing keys (or the given ones) from the source; a dry run that only counts unless
   * {@code apply} is true.
   */
  @PostMapping("/{name}/repair")
  RepairResult repair(@PathVariable String name, @RequestBody(required = false) RepairRequest request,
                      @RequestParam(defaultValue = "false") boolean apply) {
    boolean doIt = apply || (request != null && Boolean.TRUE.equals(request.apply()));
    String by = request == null || request.by() == null || request.by().isBlank() ? "admin-api" : request.by();
    List<Verifier.RequestedKey> keys = request == null ? null : request.keys();
    if (keys != null && keys.isEmpty()) {
      throw new InvalidRequestException("keys: give at least one key, or leave keys out to repair what a verify finds");
    }
    return repairer.repair(name, keys, doIt, by);
  }

  /**
   * @param keys the keys to repair; absent: those a whole verify finds
   * @param apply true to write; default false (a dry run)
   * @param by who asks, for the audit; default {@code admin-api}
   */
  record RepairRequest(List<Verifier.RequestedKey> keys, Boolean apply, String by) {}

  @PostMapping("/{name}/pause")
  PipelineView pause(@PathVariable String name) {
    return PipelineView.of(pipelines.pause(name), pipelines, verifier);
  }

  /** Takes the pipeline's snapshot again while streaming goes on (e.g. into an emptied target). */
  @PostMapping("/{name}/snapshot")
  PipelineView snapshot(@PathVariable String name) {
    return PipelineView.of(pipelines.snapshot(name), pipelines, verifier);
  }

  @PostMapping("/{name}/resume")
  PipelineView resume(@PathVariable String name) {
    return PipelineView.of(pipelines.resume(name), pipelines, verifier);
  }

  /**
   * Waits until every change committed on the pipeline's source before the call is applied, or the
   * timeout passed ({@code caughtUp: false}, still 200).
   */
  @PostMapping("/{name}/catch-up")
  CatchUpResult catchUp(@PathVariable String name, @RequestBody(required = false) CatchUpRequest request)
      throws InterruptedException {
    long timeout = request == null || request.timeoutMillis() == null ? DEFAULT_CATCH_UP_MILLIS : request.timeoutMillis();
    if (timeout < 1 || timeout > MAX_CATCH_UP_MILLIS) {
      throw new InvalidRequestException("timeoutMillis must be between 1 and " + MAX_CATCH_UP_MILLIS + ", was " + timeout);
    }
    pipelines.get(name);
    return pipelines.catchUp(name, timeout);
  }

  /** @param timeoutMillis how long to wait at most; default 2000 */
  record CatchUpRequest(Long timeoutMillis) {}

  @DeleteMapping("/{name}/slot")
  PipelineView retire(@PathVariable String name) {
    return PipelineView.of(pipelines.retire(name), pipelines, verifier);
  }
}
