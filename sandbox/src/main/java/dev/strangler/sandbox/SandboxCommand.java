package dev.strangler.sandbox;

import dev.strangler.plan.admin.AdminClient;
import dev.strangler.plan.admin.AdminException;
import dev.strangler.plan.admin.GatewayAdmin;
import dev.strangler.plan.admin.SyncAdmin;
import dev.strangler.plan.admin.VerifyResult;
import dev.strangler.plan.drive.MigrationDriver;
import dev.strangler.plan.plan.Plan;
import dev.strangler.plan.plan.PlanReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strangler sandbox}: the reference migration, end to end, on this machine. Starts the
 * stack, sends traffic through the gateway, runs the reference plan (signup then orders:
 * shadow → canary → extracted), rolls orders back, verifies every pipeline and that every
 * acknowledged write is on both sides.
 */
@Command(name = "strangler sandbox", mixinStandardHelpOptions = true,
    description = "Runs the whole reference migration on this machine (embedded PostgreSQL and Kafka, no Docker).")
public class SandboxCommand implements Callable<Integer> {

  @Option(names = "--once", description = "stop everything at the end; exit 0 only if every step and every check passed")
  boolean once;

  @Option(names = "--plan", description = "the plan to run (default ${DEFAULT-VALUE})",
      defaultValue = "migration-plan/plans/reference.yaml")
  Path plan;

  @Option(names = "--rate", description = "client requests per second through the gateway (default ${DEFAULT-VALUE})",
      defaultValue = "10")
  int rate;

  @Option(names = "--work", description = "where data and logs go, wiped at start (default ${DEFAULT-VALUE})",
      defaultValue = ".strangler/sandbox")
  Path work;

  @Option(names = "--free-ports", description = "use free ports instead of the documented ones (tests)")
  boolean freePorts;

  @Option(names = "--root", description = "the repository root, where the apps' jars are built (default: .)",
      defaultValue = ".")
  Path root;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SandboxCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Ports ports = freePorts ? Ports.free() : Ports.defaults();
    Stack stack = Stack.start(root.toAbsolutePath().normalize(), work.toAbsolutePath(), ports, out);
    Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "sandbox-stop"));
    boolean passed = migrate(stack, out);
    out.println(passed ? "sandbox: PASSED: every step, every verify and every acknowledged write checked out"
        : "sandbox: FAILED: see above");
    if (once) {
      stack.close();
      return passed ? 0 : 1;
    }
    printTryIt(stack, out);
    out.flush();
    new CountDownLatch(1).await(); // until Ctrl-C; the shutdown hook stops the stack
    return 0;
  }

  /** Runs the plan under traffic and checks the outcome; true if everything held. */
  boolean migrate(Stack stack, PrintWriter out) throws Exception {
    Map<String, String> environment = stack.planEnvironment();
    Plan read = new PlanReader(environment::get).read(root.resolve(plan));
    AdminClient gatewayClient = new AdminClient("gateway",
        URI.create(environment.get("STRANGLER_GATEWAY_URL")), Stack.GATEWAY_TOKEN, Duration.ofSeconds(30));
    GatewayAdmin gateway = new GatewayAdmin(gatewayClient);
    SyncAdmin sync = new SyncAdmin(new AdminClient("cdc-sync",
        URI.create(environment.get("STRANGLER_SYNC_URL")), Stack.SYNC_TOKEN, Duration.ofSeconds(60)));

    List<String> problems = new ArrayList<>();
    long warmStart = System.nanoTime();
    Traffic.warmUp(URI.create("http://127.0.0.1:" + stack.ports().signup()),
        URI.create("http://127.0.0.1:" + stack.ports().orders()), 20);
    out.printf("sandbox: new services warmed up (20 signups and orders sent to them directly) in %.1f s%n",
        (System.nanoTime() - warmStart) / 1e9);
    try (Traffic traffic = Traffic.start(stack.gatewayUrl(), rate)) {
      out.println("sandbox: traffic started (" + rate + " requests/s through " + stack.gatewayUrl() + ")");
      // after every switch: is every write acknowledged so far on both sides?
      MigrationDriver driver = new MigrationDriver(gateway, sync, out, Clock.systemUTC(), Duration.ofSeconds(1),
          (route, now) -> problems.addAll(afterSwitch(stack, traffic, route + " -> " + now.mode()
              + ("canary".equals(now.mode()) ? " " + now.percent() + " %" : ""), out)));
      Thread.sleep(3000);
      try {
        if (!driver.run(read)) {
          problems.add("the plan did not complete");
          latestMismatches(gatewayClient, read, out);
        } else {
          out.println("== orders: rollback, to show it is instant and loses nothing");
          driver.rollback("orders", "sandbox: rollback drill");
          Thread.sleep(5000);
        }
      } catch (AdminException e) {
        problems.add("the plan stopped: " + e.getMessage());
      }
      traffic.close();
      traffic.report(out);
      if (!traffic.failures().isEmpty()) {
        problems.add(traffic.failures().size() + " client requests failed");
      }
      problems.addAll(verifyEverything(read, sync, out));
      problems.addAll(bothSides(stack, traffic.members(), traffic.orders(), out));
    }
    problems.forEach(problem -> out.println("sandbox: problem: " + problem));
    return problems.isEmpty();
  }

  /** When a plan stops, the gateway's latest shadow mismatches say why a shadow gate broke. */
  private static void latestMismatches(AdminClient gateway, Plan plan, PrintWriter out) {
    for (var route : plan.routes()) {
      try {
        var mismatches = gateway.get("/admin/routes/" + route.name()).path("shadow").path("mismatches");
        for (int i = 0; i < Math.min(2, mismatches.size()); i++) {
          String sample = mismatches.get(i).toString();
          out.println("  latest shadow mismatch of " + route.name() + ": "
              + (sample.length() > 1500 ? sample.substring(0, 1500) + "…" : sample));
        }
      } catch (AdminException e) {
        out.println("  shadow mismatches of " + route.name() + " not readable: " + e.getMessage());
      }
    }
  }

  /** How long the writes acknowledged before a switch may take to reach the other side. */
  static final Duration SETTLE = Duration.ofSeconds(20);

  /**
   * Right after a switch: waits (up to {@link #SETTLE}) until every write acknowledged so far is
   * in both databases; a write still missing then is a problem.
   */
  private static List<String> afterSwitch(Stack stack, Traffic traffic, String label, PrintWriter out) {
    List<Traffic.Written> members = List.copyOf(traffic.members());
    List<Traffic.Written> orders = List.copyOf(traffic.orders());
    long start = System.nanoTime();
    long deadline = start + SETTLE.toNanos();
    try {
      Map<String, Set<Long>> missing = missing(stack, members, orders);
      while (!missing.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(250);
        missing = missing(stack, members, orders);
      }
      if (missing.isEmpty()) {
        out.printf("  after %s: the %d signups and %d orders acknowledged so far are on both sides (%.1f s)%n",
            label, members.size(), orders.size(), (System.nanoTime() - start) / 1e9);
        return List.of();
      }
      List<String> problems = new ArrayList<>();
      missing.forEach((what, ids) -> {
        out.println("  after " + label + ": acknowledged " + what + " MISSING " + ids.stream().limit(10).toList());
        problems.add("after " + label + ": " + ids.size() + " acknowledged " + what + " missing");
      });
      return problems;
    } catch (SQLException e) {
      return List.of("after " + label + ": could not check both sides: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of("after " + label + ": interrupted");
    }
  }

  private static List<String> verifyEverything(Plan plan, SyncAdmin sync, PrintWriter out) throws InterruptedException {
    List<String> problems = new ArrayList<>();
    for (String pipeline : plan.pipelines()) {
      VerifyResult result = sync.verify(pipeline);
      for (int attempt = 1; !result.equal() && attempt < 15; attempt++) {
        Thread.sleep(1000); // changes still in flight when traffic stopped
        result = sync.verify(pipeline);
      }
      out.println("verify " + pipeline + ": " + (result.equal() ? "equal" : "DIFFERENT, " + result.differingKeys().size()
          + " keys, e.g. " + result.differingKeys().stream().limit(5).toList())
          + " (source " + result.sourceRows() + ", target " + result.targetRows() + " rows)");
      if (!result.equal()) {
        problems.add("pipeline " + pipeline + " differs in " + result.differingKeys().size() + " keys");
      }
    }
    return problems;
  }

  private static List<String> bothSides(Stack stack, List<Traffic.Written> members, List<Traffic.Written> orders,
                                        PrintWriter out) throws SQLException {
    Map<String, Set<Long>> missing = missing(stack, members, orders);
    List<String> problems = new ArrayList<>();
    for (Check check : checks(members, orders)) {
      Set<Long> gone = missing.getOrDefault(check.what(), Set.of());
      out.println("acknowledged " + check.what() + ": " + (check.written().size() - gone.size()) + "/"
          + check.written().size() + (gone.isEmpty() ? "" : " MISSING " + gone.stream().limit(10).toList()));
      if (!gone.isEmpty()) {
        problems.add(gone.size() + " acknowledged " + check.what() + " missing");
      }
    }
    return problems;
  }

  /** @param what e.g. "members in legacy"  @param database its database  @param table its table  @param written the writes */
  private record Check(String what, String database, String table, List<Traffic.Written> written) {}

  private static List<Check> checks(List<Traffic.Written> members, List<Traffic.Written> orders) {
    return List.of(
        new Check("members in legacy", "legacy", "members", members),
        new Check("members in signup-service", "signup", "accounts", members),
        new Check("orders in legacy", "legacy", "orders", orders),
        new Check("orders in order-service", "orders", "orders", orders));
  }

  /** The acknowledged writes not (yet) in a database, by check; empty when all are everywhere. */
  private static Map<String, Set<Long>> missing(Stack stack, List<Traffic.Written> members, List<Traffic.Written> orders)
      throws SQLException {
    Map<String, Set<Long>> missing = new LinkedHashMap<>();
    for (Check check : checks(members, orders)) {
      Set<Long> gone = BothSides.missing(stack, check.database(), check.table(), check.written());
      if (!gone.isEmpty()) {
        missing.put(check.what(), gone);
      }
    }
    return missing;
  }

  private static void printTryIt(Stack stack, PrintWriter out) {
    Ports ports = stack.ports();
    out.println();
    out.println("The stack is up; Ctrl-C stops it. Try:");
    out.println("  curl -s http://127.0.0.1:" + ports.gateway() + "/api/menus");
    out.println("  ./strangler status --plan migration-plan/plans/reference.yaml");
    out.println("  ./strangler advance orders --plan migration-plan/plans/reference.yaml");
    out.println("  ./strangler rollback signup");
    out.println("  ./strangler verify signup --plan migration-plan/plans/reference.yaml");
    out.println("Admin tokens: gateway " + Stack.GATEWAY_TOKEN + ", cdc-sync " + Stack.SYNC_TOKEN
        + " (the plan's defaults). Logs: " + stack.apps().get(0).log().getParent());
  }

}
