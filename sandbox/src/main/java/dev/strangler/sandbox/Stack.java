package dev.strangler.sandbox;

import dev.strangler.embedded.KafkaServer;
import dev.strangler.embedded.PostgresServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The whole reference migration on one machine: one embedded PostgreSQL with a database per
 * app, one in-process Kafka broker, and the five apps as their own JVMs.
 */
final class Stack implements AutoCloseable {

  static final String GATEWAY_TOKEN = "sandbox-gateway-token";
  static final String SYNC_TOKEN = "sandbox-sync-token";
  /** Cold JVMs on two cores answer their first charges slowly; the default 3 s would fail them. */
  static final String PAYMENT_TIMEOUT = "--delivery.payment.timeout=10s";
  static final List<String> DATABASES = List.of("legacy", "signup", "orders", "gateway", "sync");
  /*
   * The reference pipelines (cdc-sync's profile reference) a switch of each route waits for:
   * legacy → new (every fenced switch) and the way back, new → legacy (a switch that moves writes).
   */
  static final String SIGNUP_FORWARD = "members-to-accounts";
  static final String SIGNUP_REVERSE = "accounts-to-members";
  static final String ORDERS_FORWARD = "orders-to-order-service";
  static final String ORDERS_REVERSE = "order-service-to-orders";

  private final Path root;
  private final Ports ports;
  private final PrintWriter out;
  private final List<AppProcess> apps = new ArrayList<>();
  private AppPids pids;
  private PostgresServer postgres;
  private KafkaServer kafka;

  private Stack(Path root, Ports ports, PrintWriter out) {
    this.root = root;
    this.ports = ports;
    this.out = out;
  }

  /**
   * Starts everything; on failure stops what it started and rethrows.
   *
   * @param root the repository root (where the apps' jars are built)
   * @param work where data and logs go; PostgreSQL's and Kafka's data are wiped first, apps a
   *     killed sandbox left running on it are stopped first
   */
  static Stack start(Path root, Path work, Ports ports, PrintWriter out) throws Exception {
    Stack stack = new Stack(root, ports, out);
    try {
      stack.startAll(work);
      return stack;
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
  }

  private void startAll(Path work) throws Exception {
    long start = System.nanoTime();
    pids = AppPids.in(work);
    pids.stopLeftovers(out);
    // a postmaster a killed sandbox left running is stopped by PostgresServer before the wipe
    postgres = PostgresServer.start(work.resolve("postgres"), 0, true);
    DATABASES.forEach(postgres::createDatabase);
    kafka = KafkaServer.start(work.resolve("kafka"), 0, true);
    out.println("sandbox: PostgreSQL on 127.0.0.1:" + postgres.port() + " (databases " + DATABASES + "), Kafka on "
        + kafka.bootstrapServers());
    Path logs = work.resolve("logs");

    // the monolith and the services do not need each other: start them together
    List<AppProcess> first = List.of(
        launch("legacy-monolith", "legacy-monolith/target/legacy-monolith-0.1.0-SNAPSHOT.jar", ports.monolith(),
            with(datasource("legacy"), PAYMENT_TIMEOUT), logs, url(ports.monolith(), "/api/menus")),
        launch("signup-service", "extracted-services/signup-service/target/signup-service-0.1.0-SNAPSHOT.jar",
            ports.signup(), datasource("signup"), logs, url(ports.signup(), "/api/members/1")),
        launch("order-service", "extracted-services/order-service/target/order-service-0.1.0-SNAPSHOT.jar",
            ports.orders(), with(datasource("orders"), PAYMENT_TIMEOUT,
                "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers()),
            logs, url(ports.orders(), "/api/menus")));
    awaitAll(first);
    AppProcess sync = launch("cdc-sync", "cdc-sync/target/cdc-sync-0.1.0-SNAPSHOT.jar", ports.sync(), syncArgs(), logs,
        url(ports.syncAdmin(), "/admin/pipelines"));
    AppProcess gateway = launch("strangler-gateway", "strangler-gateway/target/strangler-gateway-0.1.0-SNAPSHOT.jar",
        ports.gateway(), gatewayArgs(), logs, url(ports.gatewayAdmin(), "/admin/routes"));
    awaitAll(List.of(sync, gateway));
    awaitReplicationSlots(Duration.ofSeconds(120));
    out.printf("sandbox: stack up in %.1f s (logs in %s)%n", (System.nanoTime() - start) / 1e9, logs);
  }

  /**
   * Waits until every pipeline's replication slot exists and is read: a change made before its
   * slot exists is never captured (reverse pipelines take no snapshot), so no client may write
   * before that.
   */
  private void awaitReplicationSlots(Duration timeout) throws Exception {
    var admin = new dev.strangler.plan.admin.AdminClient("cdc-sync", url(ports.syncAdmin(), ""), SYNC_TOKEN,
        Duration.ofSeconds(10));
    var pipelines = admin.get("/admin/pipelines");
    // pipelines of one source may share a slot: wait for the slots they name
    java.util.Set<String> slots = new java.util.TreeSet<>();
    pipelines.forEach(pipeline -> {
      if (pipeline.hasNonNull("slot")) {
        slots.add(pipeline.get("slot").asString());
      }
    });
    long deadline = System.nanoTime() + timeout.toNanos();
    int active = 0;
    while (System.nanoTime() < deadline) {
      try (var connection = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), PostgresServer.USER,
          PostgresServer.PASSWORD);
           var select = connection.prepareStatement(
               "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_type = 'logical' AND slot_name = ANY (?)")) {
        select.setArray(1, connection.createArrayOf("text", slots.toArray()));
        try (var rows = select.executeQuery()) {
          rows.next();
          active = rows.getInt(1);
        }
      }
      if (active >= slots.size()) {
        out.println("sandbox: all " + pipelines.size() + " pipelines are reading their replication slots " + slots);
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("only " + active + " of the replication slots " + slots + " are read after "
        + timeout.toSeconds() + " s; see cdc-sync's log");
  }

  private List<String> datasource(String database) {
    return List.of(
        "--spring.datasource.url=" + jdbcUrl(database),
        "--spring.datasource.username=" + PostgresServer.USER,
        "--spring.datasource.password=" + PostgresServer.PASSWORD);
  }

  private List<String> syncArgs() {
    List<String> args = new ArrayList<>(datasource("sync"));
    args.add("--management.server.port=" + ports.syncAdmin());
    args.add("--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers());
    args.add("--spring.profiles.active=reference");
    args.add("--strangler.sync.admin.token=" + SYNC_TOKEN);
    // the reference profile's placeholders (cdc-sync/src/main/resources/application-reference.yml)
    args.add("--LEGACY_JDBC_URL=" + jdbcUrl("legacy"));
    args.add("--SIGNUP_JDBC_URL=" + jdbcUrl("signup"));
    args.add("--ORDERS_JDBC_URL=" + jdbcUrl("orders"));
    return args;
  }

  private List<String> gatewayArgs() {
    List<String> args = new ArrayList<>(datasource("gateway"));
    args.add("--management.server.port=" + ports.gatewayAdmin());
    args.add("--strangler.gateway.admin.token=" + GATEWAY_TOKEN);
    args.add("--strangler.gateway.legacy-uri=http://127.0.0.1:" + ports.monolith());
    args.add("--strangler.dashboard.sync.admin-url=http://127.0.0.1:" + ports.syncAdmin());
    args.add("--strangler.dashboard.sync.token=" + SYNC_TOKEN);
    args.add("--strangler.gateway.routes.signup.paths[0]=/api/members/**");
    args.add("--strangler.gateway.routes.signup.extracted-uri=http://127.0.0.1:" + ports.signup());
    args.add("--strangler.gateway.routes.signup.canary.sticky-key=header:X-Member-Id");
    fenced(args, "signup", SIGNUP_FORWARD, SIGNUP_REVERSE);
    args.add("--strangler.gateway.routes.orders.paths[0]=/api/orders/**");
    args.add("--strangler.gateway.routes.orders.paths[1]=/api/members/{memberId}/orders");
    args.add("--strangler.gateway.routes.orders.paths[2]=/api/members/{memberId}/coupons");
    args.add("--strangler.gateway.routes.orders.extracted-uri=http://127.0.0.1:" + ports.orders());
    args.add("--strangler.gateway.routes.orders.canary.sticky-key=header:X-Member-Id");
    fenced(args, "orders", ORDERS_FORWARD, ORDERS_REVERSE);
    return args;
  }

  /** Makes every switch of a route a consistent switch: held until its pipelines caught up. */
  private void fenced(List<String> args, String route, String forward, String reverse) {
    String prefix = "--strangler.gateway.routes." + route + ".sync.";
    args.add(prefix + "admin-url=http://127.0.0.1:" + ports.syncAdmin());
    args.add(prefix + "token=" + SYNC_TOKEN);
    args.add(prefix + "pipelines[0]=" + forward);
    args.add(prefix + "reverse-pipelines[0]=" + reverse);
  }

  private AppProcess launch(String name, String jar, int port, List<String> args, Path logs, URI probe) throws IOException {
    AppProcess app = AppProcess.start(name, root.resolve(jar), with(args, "--server.port=" + port), logs, probe, pids);
    apps.add(app);
    return app;
  }

  private void awaitAll(List<AppProcess> starting) throws Exception {
    ExecutorService waiters = Executors.newFixedThreadPool(starting.size());
    try {
      List<Future<Void>> ready = new ArrayList<>();
      for (AppProcess app : starting) {
        ready.add(waiters.submit(() -> {
          long start = System.nanoTime();
          app.awaitReady(Duration.ofSeconds(150));
          out.printf("sandbox: %s ready in %.1f s%n", app.name(), (System.nanoTime() - start) / 1e9);
          return null;
        }));
      }
      for (Future<Void> future : ready) {
        try {
          future.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof Exception cause ? cause : e;
        }
      }
    } finally {
      waiters.shutdownNow();
    }
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  private static URI url(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  String jdbcUrl(String database) {
    return postgres.jdbcUrl(database);
  }

  Ports ports() {
    return ports;
  }

  URI gatewayUrl() {
    return url(ports.gateway(), "");
  }

  /** The gateway's admin API (token {@link #GATEWAY_TOKEN}). */
  URI gatewayAdminUrl() {
    return url(ports.gatewayAdmin(), "");
  }

  /** cdc-sync's admin API (token {@link #SYNC_TOKEN}). */
  URI syncAdminUrl() {
    return url(ports.syncAdmin(), "");
  }

  /** The values the reference plan's placeholders take for this stack. */
  Map<String, String> planEnvironment() {
    return Map.of(
        "STRANGLER_GATEWAY_URL", "http://127.0.0.1:" + ports.gatewayAdmin(),
        "STRANGLER_GATEWAY_TOKEN", GATEWAY_TOKEN,
        "STRANGLER_SYNC_URL", "http://127.0.0.1:" + ports.syncAdmin(),
        "STRANGLER_SYNC_TOKEN", SYNC_TOKEN,
        "SIGNUP_URL", "http://127.0.0.1:" + ports.signup(),
        "ORDERS_URL", "http://127.0.0.1:" + ports.orders());
  }

  List<AppProcess> apps() {
    return apps;
  }

  @Override
  public void close() {
    for (int i = apps.size() - 1; i >= 0; i--) {
      apps.get(i).close();
    }
    if (kafka != null) {
      kafka.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }
}
