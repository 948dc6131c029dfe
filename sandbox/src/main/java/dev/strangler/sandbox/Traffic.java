package dev.strangler.sandbox;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Clients of the delivery app, through the gateway: signups, orders, and reads of what they
 * wrote. Keeps every write the gateway acknowledged, and counts every answer by kind, so the
 * sandbox can prove nothing was lost and no client saw an error beyond the budget.
 *
 * <p>Requests run at a fixed rate on a small pool; when the pool is full a tick is skipped
 * (counted), never queued without bound.
 */
final class Traffic implements AutoCloseable {

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");
  private static final Duration READ_AFTER = Duration.ofSeconds(2);

  record Written(long id, long at) {}

  private final URI gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private final ThreadPoolExecutor workers = new ThreadPoolExecutor(8, 8, 0, TimeUnit.SECONDS,
      new ArrayBlockingQueue<>(16), new ThreadPoolExecutor.AbortPolicy());
  private final List<Written> members = new CopyOnWriteArrayList<>();
  private final List<Written> orders = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicLong skipped = new AtomicLong();

  private Traffic(URI gateway) {
    this.gateway = gateway;
  }

  /** Starts sending {@code perSecond} requests a second. */
  static Traffic start(URI gateway, int perSecond) {
    Traffic traffic = new Traffic(gateway);
    traffic.ticker.scheduleAtFixedRate(traffic::tick, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
    return traffic;
  }

  private void tick() {
    try {
      workers.execute(this::oneRequest);
    } catch (java.util.concurrent.RejectedExecutionException full) {
      skipped.incrementAndGet();
    }
  }

  private void oneRequest() {
    int dice = ThreadLocalRandom.current().nextInt(100);
    if (members.isEmpty() || dice < 30) {
      signup();
    } else if (dice < 65) {
      order();
    } else {
      read();
    }
  }

  private void signup() {
    // lower-case: the members pipeline lower-cases e-mails, so a mixed-case one would (rightly) differ in the reverse verify
    String email = "sandbox." + UUID.randomUUID().toString().substring(0, 12) + "@example.com";
    String body = "{\"email\":\"" + email + "\",\"password\":\"sandbox-secret\",\"name\":\"Sandbox Member\",\"phone\":\"+82 10-1234-5678\"}";
    send("signup", HttpRequest.newBuilder(gateway.resolve("/api/members")).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json"), 201, members);
  }

  private void order() {
    Written member = any(members);
    int menu = 1 + ThreadLocalRandom.current().nextInt(5);
    String body = "{\"memberId\":" + member.id() + ",\"items\":[{\"menuId\":" + menu + ",\"quantity\":"
        + (1 + ThreadLocalRandom.current().nextInt(3)) + "}],\"card\":{\"type\":\"VISA\",\"number\":\"4111111111111111\",\"expiry\":\"12/30\"}}";
    send("order", HttpRequest.newBuilder(gateway.resolve("/api/orders")).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").header("X-Member-Id", Long.toString(member.id()))
        .header("Idempotency-Key", UUID.randomUUID().toString()), 201, orders);
  }

  private void read() {
    long settled = System.currentTimeMillis() - READ_AFTER.toMillis();
    boolean orderRead = !orders.isEmpty() && ThreadLocalRandom.current().nextBoolean();
    Written written = orderRead ? any(orders) : any(members);
    if (written.at() > settled) {
      return;
    }
    String path = orderRead ? "/api/orders/" + written.id() : "/api/members/" + written.id();
    send(orderRead ? "read-order" : "read-member", HttpRequest.newBuilder(gateway.resolve(path)).GET()
        .header("X-Member-Id", Long.toString(written.id())), 200, null);
  }

  private void send(String what, HttpRequest.Builder request, int expected, List<Written> ledger) {
    try {
      HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      String outcome = what + " " + response.statusCode();
      outcomes.computeIfAbsent(outcome, key -> new AtomicLong()).incrementAndGet();
      if (response.statusCode() != expected) {
        failures.add(outcome + " " + request.build().uri().getPath() + " " + abbreviate(response.body()));
        return;
      }
      if (ledger != null) {
        Matcher id = ID.matcher(response.body());
        if (id.find()) {
          ledger.add(new Written(Long.parseLong(id.group(1)), System.currentTimeMillis()));
        }
      }
    } catch (java.io.IOException e) {
      outcomes.computeIfAbsent(what + " transport-error", key -> new AtomicLong()).incrementAndGet();
      failures.add(what + " " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends a few signups and orders straight to the new services, as a team warms a service up
   * before it takes a share of traffic: a cold JVM's first orders take seconds, which a p99
   * gate would (rightly) refuse. The rows are real; the reverse pipelines copy them to legacy.
   */
  static void warmUp(URI signupService, URI orderService, int rounds) {
    Traffic warm = new Traffic(signupService);
    for (int i = 0; i < rounds; i++) {
      warm.signup();
    }
    Traffic orders = new Traffic(orderService);
    orders.members.addAll(warm.members);
    for (int i = 0; i < rounds && !orders.members.isEmpty(); i++) {
      orders.order();
    }
    warm.close();
    orders.close();
  }

  private static Written any(List<Written> written) {
    return written.get(ThreadLocalRandom.current().nextInt(written.size()));
  }

  private static String abbreviate(String body) {
    return body == null ? "" : body.length() > 200 ? body.substring(0, 200) + "…" : body;
  }

  List<Written> members() {
    return members;
  }

  List<Written> orders() {
    return orders;
  }

  List<String> failures() {
    return failures;
  }

  long requests() {
    return outcomes.values().stream().mapToLong(AtomicLong::get).sum();
  }

  void report(PrintWriter out) {
    out.println("traffic: " + requests() + " requests, " + members.size() + " signups and " + orders.size()
        + " orders acknowledged, " + failures.size() + " failed, " + skipped.get() + " ticks skipped (pool full)");
    outcomes.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(entry -> out.println("  " + entry.getKey() + ": " + entry.getValue().get()));
    failures.stream().limit(10).forEach(failure -> out.println("  failed: " + failure));
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
