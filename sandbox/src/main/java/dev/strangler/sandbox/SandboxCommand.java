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
import java.util.ArrayList;
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
    GatewayAdmin gateway = new GatewayAdmin(new AdminClient("gateway",
        URI.create(environment.get("STRANGLER_GATEWAY_URL")), Stack.GATEWAY_TOKEN, Duration.ofSeconds(30)));
    SyncAdmin sync = new SyncAdmin(new AdminClient("cdc-sync",
        URI.create(environment.get("STRANGLER_SYNC_URL")), Stack.SYNC_TOKEN, Duration.ofSeconds(60)));
    MigrationDriver driver = new MigrationDriver(gateway, sync, out, Clock.systemUTC(), Duration.ofSeconds(1));

    List<String> problems = new ArrayList<>();
    long warmStart = System.nanoTime();
    Traffic.warmUp(URI.create("http://127.0.0.1:" + stack.ports().signup()),
        URI.create("http://127.0.0.1:" + stack.ports().orders()), 20);
    out.printf("sandbox: new services warmed up (20 signups and orders sent to them directly) in %.1f s%n",
        (System.nanoTime() - warmStart) / 1e9);
    try (Traffic traffic = Traffic.start(stack.gatewayUrl(), rate)) {
      out.println("sandbox: traffic started (" + rate + " requests/s through " + stack.gatewayUrl() + ")");
      Thread.sleep(3000);
      try {
        if (!driver.run(read)) {
          problems.add("the plan did not complete");
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
      problems.addAll(bothSides(stack, traffic, out));
    }
    problems.forEach(problem -> out.println("sandbox: problem: " + problem));
    return problems.isEmpty();
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

  private static List<String> bothSides(Stack stack, Traffic traffic, PrintWriter out) throws Exception {
    List<String> problems = new ArrayList<>();
    record Check(String what, String database, String table, List<Traffic.Written> written) {}
    for (Check check : List.of(
        new Check("members in legacy", "legacy", "members", traffic.members()),
        new Check("members in signup-service", "signup", "accounts", traffic.members()),
        new Check("orders in legacy", "legacy", "orders", traffic.orders()),
        new Check("orders in order-service", "orders", "orders", traffic.orders()))) {
      Set<Long> missing = BothSides.missing(stack, check.database(), check.table(), check.written());
      out.println("acknowledged " + check.what() + ": " + (check.written().size() - missing.size()) + "/"
          + check.written().size() + (missing.isEmpty() ? "" : " MISSING " + missing.stream().limit(10).toList()));
      if (!missing.isEmpty()) {
        problems.add(missing.size() + " acknowledged " + check.what() + " missing");
      }
    }
    return problems;
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
