package dev.strangler.plan.cli;

import dev.strangler.plan.admin.AdminException;
import dev.strangler.plan.admin.GatewayAdmin;
import dev.strangler.plan.admin.PipelineStatus;
import dev.strangler.plan.admin.RouteStatus;
import dev.strangler.plan.admin.SyncAdmin;
import dev.strangler.plan.admin.VerifyResult;
import dev.strangler.plan.drive.MigrationDriver;
import dev.strangler.plan.plan.InvalidPlanException;
import dev.strangler.plan.plan.Plan;
import dev.strangler.plan.plan.PlanReader;
import dev.strangler.plan.plan.RoutePlan;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

/** {@code strangler}: validate, watch, advance, roll back, verify and run a migration plan. */
@Command(name = "strangler", mixinStandardHelpOptions = true, version = "strangler 0.1.0",
    description = "Drives a strangler-fig migration through the gateway's and cdc-sync's admin APIs.",
    subcommands = {StranglerCli.Validate.class, StranglerCli.Status.class, StranglerCli.AdvanceRoute.class,
        StranglerCli.Rollback.class, StranglerCli.Verify.class, StranglerCli.Repair.class, StranglerCli.Run.class,
        StranglerCli.Sync.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:internal error", "2:bad usage or invalid plan (nothing applied)",
        "3:a gate does not hold, verify found differences, or the gateway abandoned a fenced switch (nothing changed)",
        "4:the autopilot rolled a route back", "5:an admin API is unreachable or refused the call"})
public class StranglerCli implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(System.out, System.err, args));
  }

  /** Runs the CLI with these streams; returns the exit code. */
  public static int execute(PrintStream out, PrintStream err, String... args) {
    CommandLine commandLine = new CommandLine(new StranglerCli());
    commandLine.setOut(new java.io.PrintWriter(out, true));
    commandLine.setErr(new java.io.PrintWriter(err, true));
    commandLine.setExitCodeExceptionMapper(StranglerCli::exitCode);
    commandLine.setExecutionExceptionHandler((exception, line, parsed) -> {
      line.getErr().println(exception instanceof InvalidPlanException || exception instanceof AdminException
          ? exception.getMessage() : "error: " + exception);
      if (!(exception instanceof InvalidPlanException || exception instanceof AdminException)) {
        exception.printStackTrace(err);
      }
      return exitCode(exception);
    });
    return commandLine.execute(args);
  }

  static int exitCode(Throwable exception) {
    if (exception instanceof InvalidPlanException || exception instanceof CommandLine.ParameterException) {
      return ExitCodes.INVALID;
    }
    if (exception instanceof AdminException admin && admin.kind() == AdminException.Kind.ABANDONED) {
      return ExitCodes.GATE_FAILED;
    }
    if (exception instanceof AdminException) {
      return ExitCodes.ADMIN_ERROR;
    }
    return ExitCodes.INTERNAL;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Plan readPlan(Path file) throws InvalidPlanException {
    return new PlanReader().read(file);
  }

  /** The plan option of the commands that need one: {@code --plan}, else {@code STRANGLER_PLAN}. */
  static class PlanOption {
    @Option(names = "--plan", description = "the plan file (env STRANGLER_PLAN; default ${DEFAULT-VALUE})",
        defaultValue = "${env:STRANGLER_PLAN:-migration-plan/plans/reference.yaml}")
    Path plan;

    Plan read() throws InvalidPlanException {
      return readPlan(plan);
    }
  }

  static RoutePlan routeOf(Plan plan, String name, CommandLine.Model.CommandSpec spec) {
    return plan.route(name).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "route '" + name + "' is not in " + plan.file() + ": expected one of "
            + plan.routes().stream().map(RoutePlan::name).toList()));
  }

  @Command(name = "validate", description = "Checks a plan file; prints every problem with file:line:column.")
  static class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "PLAN", description = "the plan file")
    Path plan;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InvalidPlanException {
      Plan read = readPlan(plan);
      spec.commandLine().getOut().println(plan + ": valid, " + read.routes().size() + " routes: "
          + read.routes().stream().map(route -> route.name() + " (" + route.steps().size() + " steps)").toList());
      return ExitCodes.OK;
    }
  }

  @Command(name = "status", description = "Every route: mode, percent, live figures, pipeline lag, last diff.")
  static class Status implements Callable<Integer> {

    /** The state shown for a pipeline the plan names and cdc-sync does not have (a typo, or not configured there). */
    static final String NOT_IN_CDC_SYNC = "NOT_IN_CDC_SYNC";
    @Mixin
    Endpoints endpoints;

    @Option(names = "--plan", description = "plan file, for the routes' pipelines (env STRANGLER_PLAN)",
        defaultValue = "${env:STRANGLER_PLAN}")
    Path plan;

    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InvalidPlanException {
      Plan read = plan == null ? null : readPlan(plan);
      GatewayAdmin gateway = endpoints.gateway(read);
      SyncAdmin sync = endpoints.sync(read);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (RouteStatus route : gateway.routes()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("route", route.name());
        row.put("mode", route.mode());
        row.put("percent", route.percent());
        row.put("since", route.since() == null ? null : route.since().toString());
        row.put("newSideRequests", route.newSideRequests());
        row.put("newSideErrorRate", route.newSideErrorRate());
        row.put("newSideP99Millis", route.newSideP99Millis());
        row.put("shadowCompared", route.shadowCompared());
        row.put("shadowMismatchRate", route.shadowMismatchRate());
        List<Map<String, Object>> pipelines = new ArrayList<>();
        Optional<RoutePlan> planned = read == null ? Optional.empty() : read.route(route.name());
        // the plan's pipelines, and those the gateway fences the route's switches on (a name only
        // one of them has, or that cdc-sync does not have, shows here)
        java.util.Set<String> names = new java.util.LinkedHashSet<>(planned.map(RoutePlan::pipelines).orElse(List.of()));
        names.addAll(route.fencedPipelines());
        for (String name : names) {
          Map<String, Object> p = new LinkedHashMap<>();
          p.put("pipeline", name);
          PipelineStatus pipeline;
          try {
            pipeline = sync.pipeline(name);
          } catch (AdminException e) {
            if (e.kind() != AdminException.Kind.NOT_FOUND) {
              throw e;
            }
            // a name in the plan that cdc-sync does not have: shown, not a failure of the whole status
            p.put("state", NOT_IN_CDC_SYNC);
            p.put("keyProblems", List.of());
            pipelines.add(p);
            continue;
          }
          p.put("state", pipeline.state());
          p.put("lagMillis", pipeline.lagMillis());
          p.put("deadLetters", pipeline.deadLetters());
          p.put("conflicts", pipeline.conflicts());
          p.put("lastVerifyEqual", pipeline.lastVerifyEqual());
          p.put("keyProblems", pipeline.keyProblems());
          pipelines.add(p);
        }
        row.put("pipelines", pipelines);
        rows.add(row);
      }
      PrintWriter out = out(spec);
      if (json) {
        out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("routes", rows)));
        return ExitCodes.OK;
      }
      out.printf(Locale.ROOT, "%-12s %-10s %4s %9s %10s %9s  %s%n", "ROUTE", "MODE", "%", "ERR-RATE", "P99", "MISMATCH", "PIPELINES (lag, last diff)");
      for (Map<String, Object> row : rows) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pipelines = (List<Map<String, Object>>) row.get("pipelines");
        out.printf(Locale.ROOT, "%-12s %-10s %4s %9s %10s %9s  %s%n", row.get("route"), row.get("mode"),
            "canary".equals(row.get("mode")) ? row.get("percent") : "-",
            rate((Double) row.get("newSideErrorRate")), millis((Double) row.get("newSideP99Millis")),
            rate((Double) row.get("shadowMismatchRate")),
            pipelines.isEmpty() ? "-" : String.join(", ", pipelines.stream().map(p -> p.get("pipeline") + " "
                + millis((Double) p.get("lagMillis")) + " " + diff((Boolean) p.get("lastVerifyEqual"))
                + (!"STREAMING".equals(p.get("state")) ? " [" + p.get("state") + "]" : "")
                + (((List<?>) p.get("keyProblems")).isEmpty() ? "" : " KEYS!")).toList()));
      }
      for (Map<String, Object> row : rows) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pipelines = (List<Map<String, Object>>) row.get("pipelines");
        for (Map<String, Object> p : pipelines) {
          for (Object problem : (List<?>) p.get("keyProblems")) {
            out.println("KEYS! " + p.get("pipeline") + ": " + problem);
          }
        }
      }
      return ExitCodes.OK;
    }

    private static String rate(Double rate) {
      return rate == null ? "-" : String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }

    private static String millis(Double millis) {
      return millis == null ? "-" : String.format(Locale.ROOT, "%.0fms", millis);
    }

    private static String diff(Boolean equal) {
      return equal == null ? "diff ?" : equal ? "diff 0" : "DIFFERS";
    }
  }

  /** What the commands on one planned route share: the route, the plan, the admin APIs. */
  abstract static class PlannedRouteCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ROUTE")
    String route;

    @Mixin
    PlanOption planOption;

    @Mixin
    Endpoints endpoints;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
  }

  @Command(name = "advance", description = "Moves a route to its next step if the current step's gates hold.")
  static class AdvanceRoute extends PlannedRouteCommand {
    @Override
    public Integer call() throws InvalidPlanException {
      Plan plan = planOption.read();
      RoutePlan routePlan = routeOf(plan, route, spec);
      MigrationDriver.Advance outcome = driver(endpoints, plan, spec).advance(routePlan);
      return outcome == MigrationDriver.Advance.GATES_FAIL ? ExitCodes.GATE_FAILED : ExitCodes.OK;
    }
  }

  @Command(name = "rollback", description = "Switches a route back to legacy at once, without gates.")
  static class Rollback implements Callable<Integer> {
    @Parameters(paramLabel = "ROUTE")
    String route;

    @Option(names = "--reason", description = "why, for the audit (default ${DEFAULT-VALUE})",
        defaultValue = "strangler rollback")
    String reason;

    @Option(names = "--force", description = "skip the gateway's write fence (audited as forced): only when cdc-sync cannot catch up")
    boolean force;

    @Mixin
    Endpoints endpoints;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      driver(endpoints, null, spec).rollback(route, reason, force);
      return ExitCodes.OK;
    }
  }

  @Command(name = "verify", description = "Data diff of the route's pipelines, through their mappings.")
  static class Verify extends PlannedRouteCommand {
    @Override
    public Integer call() throws InvalidPlanException {
      Plan plan = planOption.read();
      List<VerifyResult> results = driver(endpoints, plan, spec).verify(routeOf(plan, route, spec));
      boolean equal = true;
      for (VerifyResult result : results) {
        equal &= result.equal();
        spec.commandLine().getOut().println(result.pipeline() + ": " + (result.equal() ? "equal" : "DIFFERENT")
            + " (source " + result.sourceRows() + " rows, target " + result.targetRows() + ")"
            + (result.equal() ? "" : " differing keys: " + result.differingKeys()));
      }
      return equal ? ExitCodes.OK : ExitCodes.GATE_FAILED;
    }
  }

  @Command(name = "repair", description = "Re-copies the keys a verify of the pipeline finds different from its source "
      + "into its target. A dry run that prints what would change unless --apply.")
  static class Repair implements Callable<Integer> {
    @Parameters(paramLabel = "PIPELINE")
    String pipeline;

    @Option(names = "--apply", description = "write the repair (default: a dry run that only counts)")
    boolean apply;

    @Option(names = "--by", description = "who repairs, for cdc-sync's audit (default: the user name)",
        defaultValue = "${sys:user.name}")
    String by;

    @Mixin
    Sync.SyncPlan plan;

    @Mixin
    Endpoints endpoints;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InvalidPlanException {
      SyncAdmin.RepairResult result = endpoints.sync(plan.read()).repair(pipeline, apply, by == null ? "cli" : by);
      int total = result.inserts() + result.updates() + result.deletes();
      out(spec).println(pipeline + ": " + (result.applied() ? "repaired " : "would repair ") + total + " rows ("
          + result.inserts() + " inserts, " + result.updates() + " updates, " + result.deletes() + " deletes)"
          + (result.applied() ? (result.stillDiffering() == 0 ? "; re-verify equal"
              : "; " + result.stillDiffering() + " keys still differ") : total == 0 ? "" : "; --apply writes it"));
      // a dry run with work to do, or keys still different after a repair, is not "equal": exit 3 like verify
      return total == 0 || (result.applied() && result.stillDiffering() == 0) ? ExitCodes.OK : ExitCodes.GATE_FAILED;
    }
  }

  @Command(name = "sync", description = "cdc-sync's pipelines, by name.",
      subcommands = {Sync.Snapshot.class, Sync.Ddl.class})
  static class Sync implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getErr().println("sync: a subcommand is missing, e.g. sync snapshot NAME");
      spec.commandLine().usage(spec.commandLine().getErr());
      return ExitCodes.INVALID;
    }

    /** The optional {@code --plan} of the sync subcommands: where cdc-sync is, when the plan says. */
    static class SyncPlan {
      @Option(names = "--plan", description = "plan file, for cdc-sync's address (env STRANGLER_PLAN)",
          defaultValue = "${env:STRANGLER_PLAN}")
      Path file;

      /** The plan, or null without one. */
      Plan read() throws InvalidPlanException {
        return file == null ? null : readPlan(file);
      }
    }

    @Command(name = "snapshot", description = "Takes a pipeline's snapshot again (e.g. into an emptied target) while it streams on.")
    static class Snapshot implements Callable<Integer> {
      @Parameters(paramLabel = "PIPELINE")
      String pipeline;

      @Mixin
      SyncPlan plan;

      @Mixin
      Endpoints endpoints;

      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() throws InvalidPlanException {
        PipelineStatus status = endpoints.sync(plan.read()).snapshot(pipeline);
        out(spec).println(pipeline + ": snapshot requested, state " + status.state()
            + "; 'status' shows it streaming again once every row is copied");
        return ExitCodes.OK;
      }
    }

    @Command(name = "ddl", description = "Prints the CREATE TABLE statements of a pipeline's missing target tables, "
        + "built from the source's columns through the mapping (also of a disabled pipeline).")
    static class Ddl implements Callable<Integer> {
      @Parameters(paramLabel = "PIPELINE")
      String pipeline;

      @Option(names = "--liquibase", description = "as a Liquibase formatted-SQL changelog")
      boolean liquibase;

      @Option(names = "--all", description = "every target table, also the ones that exist")
      boolean all;

      @Mixin
      SyncPlan plan;

      @Mixin
      Endpoints endpoints;

      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() throws InvalidPlanException {
        SyncAdmin.TargetDdl ddl = endpoints.sync(plan.read()).ddl(pipeline, liquibase, all);
        if (ddl.script().isBlank() || ddl.script().strip().equals("--liquibase formatted sql")) {
          spec.commandLine().getErr().println(pipeline + ": every target table exists in datasource '"
              + ddl.datasource() + "' (--all prints them)");
          return ExitCodes.OK;
        }
        spec.commandLine().getErr().println("-- " + pipeline + ": run on datasource '" + ddl.datasource() + "'"
            + (ddl.missing().isEmpty() ? "" : "; missing: " + ddl.missing()));
        out(spec).print(ddl.script());
        out(spec).flush();
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "run", description = "Autopilot: advances each route through its steps as gates hold; rolls back and stops when one breaks.")
  static class Run implements Callable<Integer> {
    @Parameters(paramLabel = "PLAN")
    Path plan;

    @Option(names = "--poll", description = "how often gates are checked (default ${DEFAULT-VALUE})", defaultValue = "PT1S")
    Duration poll;

    @Mixin
    Endpoints endpoints;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InvalidPlanException {
      Plan read = readPlan(plan);
      MigrationDriver driver = new MigrationDriver(endpoints.gateway(read), endpoints.sync(read), out(spec),
          Clock.systemUTC(), poll);
      return driver.run(read) ? ExitCodes.OK : ExitCodes.ROLLED_BACK;
    }
  }

  static MigrationDriver driver(Endpoints endpoints, Plan plan, CommandLine.Model.CommandSpec spec) {
    return new MigrationDriver(endpoints.gateway(plan), endpoints.sync(plan), out(spec), Clock.systemUTC(),
        Duration.ofSeconds(1));
  }

  static PrintWriter out(CommandLine.Model.CommandSpec spec) {
    return spec.commandLine().getOut();
  }
}
