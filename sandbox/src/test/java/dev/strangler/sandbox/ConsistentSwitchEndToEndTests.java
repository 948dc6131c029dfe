package dev.strangler.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The consistent switch through the real cdc-sync: the sandbox's five apps as processes, the
 * signup route fenced on its two reference pipelines, steady signups through the gateway while
 * the route is switched legacy → extracted → legacy twenty times (fenced, not forced; fifty with
 * {@code -Dconsistent-switch.switches=50}). Then the
 * same with the pipelines paused: every switch is abandoned and nothing stays held. Prints the
 * hold time per switch (p50/p99/max) as a {@code CONSISTENT-SWITCH} line for
 * docs/benchmarks.md; the figures are not asserted. Needs the apps' jars.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsistentSwitchEndToEndTests {

  private static final String ROUTE = "signup";
  private static final String FORWARD = Stack.SIGNUP_FORWARD;
  private static final String REVERSE = Stack.SIGNUP_REVERSE;
  /** 20 in the suite; {@code -Dconsistent-switch.switches=50} for the benchmark run of docs/benchmarks.md */
  private static final int SWITCHES = Integer.getInteger("consistent-switch.switches", 20);
  /** Steady signups per second; each costs a BCrypt hash, so more would saturate two cores. */
  private static final int WRITES_PER_SECOND = 5;
  /** Abandoned attempts tolerated per switch before the test gives up (each is reported). */
  private static final int MAX_RETRIES = 5;
  /** The services' identities start here (docs/schemas.md): an id says which side took the write. */
  private static final long SERVICE_IDS = 1_000_000_000_000L;
  /** The gateway's default switch-timeout; an abandoned switch must answer within it (plus slack for a busy machine). */
  private static final Duration SWITCH_TIMEOUT = Duration.ofSeconds(2);

  private static final JsonMapper json = JsonMapper.builder().build();
  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private static final PrintWriter out = new PrintWriter(System.out, true);

  private static Path work;
  private static Stack stack;
  /** Every write the gateway acknowledged, in both runs. */
  private static final List<Traffic.Written> acknowledged = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startTheSandbox() throws Exception {
    // under target/, so the apps' logs stay for a look after a failure (the stack wipes it at each start)
    work = Path.of("target", "consistent-switch-e2e").toAbsolutePath();
    stack = Stack.start(Path.of("..").toAbsolutePath().normalize(), work, Ports.free(), out);
  }

  @AfterAll
  static void stopTheSandbox() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void fencedSwitchesUnderSteadyWritesLoseNoWriteAndEchoNothing() throws Exception {
    Map<String, Counters> before = settledCounters();
    List<Double> holds = new ArrayList<>();
    List<Long> switchCalls = new ArrayList<>();
    List<String> abandoned = new ArrayList<>();
    long legacyProbes = 0;
    long serviceProbes = 0;
    long start = System.nanoTime();
    Writers writers = Writers.start(stack.gatewayUrl(), WRITES_PER_SECOND);
    try {
      writers.awaitMore(0);
      for (int i = 1; i <= SWITCHES; i++) {
        String to = i % 2 == 1 ? "extracted" : "legacy";
        String from = i % 2 == 1 ? "legacy" : "extracted";
        // a client writes on the side that serves the route now ...
        Signup probe = signup(stack.gatewayUrl());
        assertThat(probe.status()).as("probe write before switch %d: %s", i, probe.body()).isEqualTo(201);
        assertThat(probe.target()).as("probe write before switch %d", i).isEqualTo(from);
        acknowledged.add(probe.written());
        if (probe.written().id() >= SERVICE_IDS) {
          serviceProbes++;
        } else {
          legacyProbes++;
        }
        // ... the route is switched (fenced) ...
        long called = System.nanoTime();
        Answer answer = switchRoute(to, false);
        for (int retry = 0; answer.status() == 409 && retry < MAX_RETRIES; retry++) {
          // abandoned (in-flight requests or catch-up not done within the timeout on a busy machine):
          // the fence working as designed; counted, reported, and tried again
          String why = "switch " + i + " to " + to + ": " + answer.body().path("detail").asString("");
          abandoned.add(why);
          out.println("  abandoned " + why);
          called = System.nanoTime();
          answer = switchRoute(to, false);
        }
        long callMillis = (System.nanoTime() - called) / 1_000_000;
        switchCalls.add(callMillis);
        assertThat(answer.status()).as("switch %d to %s: %s", i, to, answer.body()).isEqualTo(200);
        assertThat(answer.body().path("mode").asString()).isEqualTo(to);
        JsonNode last = answer.body().path("lastSwitch");
        assertThat(last.path("outcome").asString()).as("switch %d: %s", i, last).isEqualTo("switched");
        holds.add(last.path("holdMillis").asDouble());
        out.printf(Locale.ROOT, "switch %2d -> %-9s held %7.1f ms, call %5d ms, %d writes so far%n", i, to,
            last.path("holdMillis").asDouble(), callMillis, writers.written().size());
        // ... and reads its own write right away, from the side that took over
        HttpResponse<String> read = get(stack.gatewayUrl().resolve("/api/members/" + probe.written().id()));
        assertThat(read.statusCode()).as("read-your-write right after switch %d to %s: %s", i, to, read.body())
            .isEqualTo(200);
        assertThat(read.headers().firstValue("X-Strangler-Target")).as("read after switch %d", i).contains(to);
        assertThat(json.readTree(read.body()).path("email").asString()).isEqualTo(probe.email());
        // the steady writers too reach the side that took over before it is switched away again
        writers.awaitMore(writers.written().size());
      }
    } finally {
      writers.close();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    acknowledged.addAll(writers.written());
    writers.report(out);
    assertThat(writers.failures()).as("requests that failed (beyond being held)").isEmpty();
    assertThat(holds).hasSize(SWITCHES);

    List<Traffic.Written> writes = new ArrayList<>(writers.written());
    long legacyWrites = writes.stream().filter(w -> w.id() < SERVICE_IDS).count() + legacyProbes;
    long serviceWrites = writes.stream().filter(w -> w.id() >= SERVICE_IDS).count() + serviceProbes;
    assertThat(legacyWrites).as("writes the monolith took").isPositive();
    assertThat(serviceWrites).as("writes signup-service took").isPositive();

    Map<String, Counters> after = settledCounters();
    assertBothSidesHoldEveryWrite();
    assertPipelinesVerifyEqual();

    Counters forward = after.get(FORWARD).minus(before.get(FORWARD));
    Counters reverse = after.get(REVERSE).minus(before.get(REVERSE));
    out.printf("CONSISTENT-SWITCH events: writes legacy %d, signup-service %d; %s %s; %s %s%n", legacyWrites,
        serviceWrites, FORWARD, forward, REVERSE, reverse);
    // no echo: each side's writes are captured once, by the pipeline reading that side, and nothing more
    assertThat(forward.captured()).as(FORWARD + " captured = writes made on legacy").isEqualTo(legacyWrites);
    assertThat(reverse.captured()).as(REVERSE + " captured = writes made on signup-service").isEqualTo(serviceWrites);
    assertThat(forward.applied()).as(FORWARD + " applied").isEqualTo(legacyWrites);
    assertThat(reverse.applied()).as(REVERSE + " applied").isEqualTo(serviceWrites);
    // what one direction applied comes back to the other as an echo, and is dropped there, once each
    assertThat(reverse.echoesDropped()).as(REVERSE + " echoes dropped = rows " + FORWARD + " applied")
        .isEqualTo(forward.applied());
    assertThat(forward.echoesDropped()).as(FORWARD + " echoes dropped = rows " + REVERSE + " applied")
        .isEqualTo(reverse.applied());

    List<Double> sorted = holds.stream().sorted().toList();
    out.printf(Locale.ROOT, "CONSISTENT-SWITCH %d fenced switches legacy<->extracted through the real cdc-sync under %d "
            + "writes/s (%d acknowledged in %.0f s): hold p50 %.1f ms, p99 %.1f ms, max %.1f ms; switch call p50 %d ms, "
            + "max %d ms; abandoned and retried %d; the first switch held %.1f ms, the other %d at most %.1f ms%n",
        SWITCHES, WRITES_PER_SECOND, writes.size() + SWITCHES, seconds, percentile(sorted, 0.50),
        percentile(sorted, 0.99), sorted.get(sorted.size() - 1), (long) percentile(switchCalls.stream().sorted().toList(), 0.5),
        switchCalls.stream().mapToLong(Long::longValue).max().orElse(0), abandoned.size(), holds.get(0), SWITCHES - 1,
        holds.subList(1, holds.size()).stream().mapToDouble(Double::doubleValue).max().orElse(0));
    abandoned.forEach(a -> out.println("  abandoned: " + a));
  }

  @Test
  @Order(2)
  void withThePipelinesPausedEverySwitchIsAbandonedAndNothingStaysHeld() throws Exception {
    assertThat(route().path("mode").asString()).isEqualTo("legacy");
    syncPost("/admin/pipelines/" + FORWARD + "/pause");
    syncPost("/admin/pipelines/" + REVERSE + "/pause");
    Writers writers = Writers.start(stack.gatewayUrl(), WRITES_PER_SECOND);
    List<Traffic.Written> whilePaused = new ArrayList<>();
    List<Long> abandonedIn = new ArrayList<>();
    List<Long> answeredAfter = new ArrayList<>();
    try {
      for (int i = 1; i <= 10; i++) {
        long called = System.nanoTime();
        Answer answer = switchRoute("extracted", false);
        long millis = (System.nanoTime() - called) / 1_000_000;
        abandonedIn.add(millis);
        assertThat(answer.status()).as("switch %d with paused pipelines: %s", i, answer.body()).isEqualTo(409);
        assertThat(answer.body().path("detail").asString()).contains("abandoned").contains("paused");
        assertThat(millis).as("abandoned within the switch timeout (plus slack)")
            .isLessThan(SWITCH_TIMEOUT.toMillis() + 1000);
        // nothing stays held: a request right after is answered at once, by the old side
        long sent = System.nanoTime();
        Signup next = signup(stack.gatewayUrl());
        long answeredIn = (System.nanoTime() - sent) / 1_000_000;
        assertThat(next.status()).as("write right after abandoned switch %d: %s", i, next.body()).isEqualTo(201);
        assertThat(next.target()).isEqualTo("legacy");
        // a held request would wait for the next switch (none comes): well under the client's 10 s timeout means not held
        assertThat(answeredIn).as("write right after an abandoned switch, ms").isLessThan(8000);
        answeredAfter.add(answeredIn);
        acknowledged.add(next.written());
        JsonNode route = route();
        assertThat(route.path("mode").asString()).as("mode after abandoned switch %d", i).isEqualTo("legacy");
        assertThat(route.path("fence").path("holding").asBoolean()).isFalse();
        assertThat(route.path("fence").path("held").asInt()).isZero();
        assertThat(route.path("lastSwitch").path("outcome").asString()).isEqualTo("abandoned");
        JsonNode audit = gatewayGet("/admin/audit?route=" + ROUTE + "&limit=1").get(0);
        assertThat(audit.path("outcome").asString()).isEqualTo("abandoned");
        assertThat(audit.path("to").path("mode").asString()).isEqualTo("extracted");
        assertThat(audit.path("reason").asString()).contains("paused");
      }
      whilePaused.addAll(writers.written());
    } finally {
      syncPost("/admin/pipelines/" + FORWARD + "/resume");
      syncPost("/admin/pipelines/" + REVERSE + "/resume");
    }
    try {
      // resumed: the route switches again, fenced (a retry allowed, as above, if the backlog is not applied in time)
      for (String to : List.of("extracted", "legacy")) {
        Answer answer = switchRoute(to, false);
        for (int retry = 0; answer.status() == 409 && retry < MAX_RETRIES; retry++) {
          out.println("  abandoned after resume: " + answer.body().path("detail").asString(""));
          answer = switchRoute(to, false);
        }
        assertThat(answer.status()).as("switch to %s after resume: %s", to, answer.body()).isEqualTo(200);
      }
    } finally {
      writers.close();
    }
    acknowledged.addAll(writers.written());
    writers.report(out);
    out.printf("CONSISTENT-SWITCH paused: 10 switches abandoned, admin call took %s ms; a write right after each "
        + "answered in %s ms%n", abandonedIn, answeredAfter);
    assertThat(writers.failures()).as("requests that failed while switches were abandoned").isEmpty();
    assertThat(whilePaused).as("writes while the switches were abandoned all went to legacy")
        .allSatisfy(w -> assertThat(w.id()).isLessThan(SERVICE_IDS));

    settledCounters();
    assertBothSidesHoldEveryWrite();
    assertPipelinesVerifyEqual();
  }

  @Test
  @Order(3)
  void inReadsModeNoReadIsStaleAfterTheSwitchAndACutoverWaitsForAWorkingWayBack() throws Exception {
    assertThat(route().path("mode").asString()).isEqualTo("legacy");
    Writers writers = Writers.start(stack.gatewayUrl(), WRITES_PER_SECOND);
    try {
      writers.awaitMore(0);
      for (int i = 1; i <= 5; i++) {
        Signup probe = signup(stack.gatewayUrl());
        assertThat(probe.status()).as("probe write before reads switch %d: %s", i, probe.body()).isEqualTo(201);
        acknowledged.add(probe.written());
        long called = System.currentTimeMillis();
        switchFenced("reads");
        // every write legacy acknowledged before the switch was called is in the first reads the new side answers
        List<Traffic.Written> before = new ArrayList<>(writers.written().stream()
            .filter(w -> w.at() < called && w.at() > called - 3000).toList());
        before.add(probe.written());
        for (Traffic.Written write : before) {
          HttpResponse<String> read = get(stack.gatewayUrl().resolve("/api/members/" + write.id()));
          assertThat(read.statusCode()).as("read of member %d right after reads switch %d: %s", write.id(), i, read.body())
              .isEqualTo(200);
          assertThat(read.headers().firstValue("X-Strangler-Target")).as("reads go to the new side").contains("extracted");
        }
        // writes stay on legacy in reads mode
        Signup during = signup(stack.gatewayUrl());
        assertThat(during.status()).as("write in reads mode: %s", during.body()).isEqualTo(201);
        assertThat(during.target()).isEqualTo("legacy");
        assertThat(during.written().id()).isLessThan(SERVICE_IDS);
        acknowledged.add(during.written());
        out.printf(Locale.ROOT, "reads switch %d: %d reads of writes acknowledged before it, all from the new side%n", i,
            before.size());
        switchFenced("legacy");
      }

      // the way back: with the reverse pipeline paused, moving reads is still fine (legacy keeps every write) ...
      switchFenced("reads");
      syncPost("/admin/pipelines/" + REVERSE + "/pause");
      try {
        switchFenced("shadow");
        switchFenced("reads");
        // ... but a cutover that gives the new side writes is refused, and says why
        Answer refused = switchRoute("extracted", false);
        assertThat(refused.status()).as("cutover with %s paused: %s", REVERSE, refused.body()).isEqualTo(409);
        assertThat(refused.body().path("detail").asString())
            .contains("way back not proven", "pipeline " + REVERSE, "paused");
        assertThat(route().path("mode").asString()).isEqualTo("reads");
        JsonNode audit = gatewayGet("/admin/audit?route=" + ROUTE + "&limit=1").get(0);
        assertThat(audit.path("outcome").asString()).isEqualTo("abandoned");
        assertThat(audit.path("reason").asString()).contains("way back not proven");
        Signup after = signup(stack.gatewayUrl());
        assertThat(after.target()).as("writes after the refused cutover").isEqualTo("legacy");
        acknowledged.add(after.written());
      } finally {
        syncPost("/admin/pipelines/" + REVERSE + "/resume");
      }
      // resumed: the way back carries its fence, the cutover goes through, and so does the switch back
      switchFenced("extracted");
      Signup onTheNewSide = signup(stack.gatewayUrl());
      assertThat(onTheNewSide.target()).isEqualTo("extracted");
      acknowledged.add(onTheNewSide.written());
      switchFenced("legacy");
      HttpResponse<String> read = get(stack.gatewayUrl().resolve("/api/members/" + onTheNewSide.written().id()));
      assertThat(read.statusCode()).as("legacy reads the write the new side took, right after the switch back: %s",
          read.body()).isEqualTo(200);
    } finally {
      writers.close();
    }
    acknowledged.addAll(writers.written());
    writers.report(out);
    assertThat(writers.failures()).as("requests that failed in reads mode and around the refused cutover").isEmpty();
    settledCounters();
    assertBothSidesHoldEveryWrite();
    assertPipelinesVerifyEqual();
  }

  /** A fenced switch; an abandoned one (a backlog on a busy machine) is reported and tried again. */
  private static void switchFenced(String to) throws Exception {
    Answer answer = switchRoute(to, false);
    for (int retry = 0; answer.status() == 409 && retry < MAX_RETRIES; retry++) {
      out.println("  abandoned switch to " + to + ": " + answer.body().path("detail").asString(""));
      answer = switchRoute(to, false);
    }
    assertThat(answer.status()).as("switch to %s: %s", to, answer.body()).isEqualTo(200);
    assertThat(answer.body().path("mode").asString()).isEqualTo(to);
  }

  private static void assertBothSidesHoldEveryWrite() throws Exception {
    assertThat(BothSides.missing(stack, "legacy", "members", acknowledged)).as("acknowledged signups missing in legacy members")
        .isEmpty();
    assertThat(BothSides.missing(stack, "signup", "accounts", acknowledged))
        .as("acknowledged signups missing in signup-service accounts").isEmpty();
  }

  private static void assertPipelinesVerifyEqual() throws Exception {
    for (String pipeline : List.of(FORWARD, REVERSE)) {
      JsonNode verified = syncPost("/admin/pipelines/" + pipeline + "/verify");
      assertThat(verified.path("equal").asBoolean()).as("verify %s: %s", pipeline, verified).isTrue();
      assertThat(verified.path("differingKeys").size()).isZero();
    }
  }

  /**
   * Waits until both pipelines applied everything their sources committed (twice round, so the
   * echoes of what one applied have reached the other) and returns their counters.
   */
  private static Map<String, Counters> settledCounters() {
    AtomicReference<Map<String, Counters>> previous = new AtomicReference<>();
    return await("the signup pipelines settle (counters unchanged between two rounds of catch-up)")
        .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          for (int round = 0; round < 2; round++) {
            for (String pipeline : List.of(FORWARD, REVERSE)) {
              JsonNode caughtUp = syncPost("/admin/pipelines/" + pipeline + "/catch-up", "{\"timeoutMillis\":20000}");
              if (!caughtUp.path("caughtUp").asBoolean()) {
                out.println("catch-up of " + pipeline + " not yet: " + caughtUp);
              }
            }
          }
          Map<String, Counters> now = new LinkedHashMap<>();
          for (JsonNode p : syncGet("/admin/pipelines")) {
            now.put(p.path("name").asString(), new Counters(p.path("eventsCaptured").asLong(),
                p.path("eventsApplied").asLong(), p.path("echoesDropped").asLong(), p.path("state").asString()));
          }
          boolean streaming = List.of(FORWARD, REVERSE).stream().allMatch(p -> "STREAMING".equals(now.get(p).state()));
          Map<String, Counters> before = previous.getAndSet(now);
          return streaming && now.equals(before) ? now : null;
        }, settled -> settled != null);
  }

  /**
   * @param captured changes sent to Kafka
   * @param applied changes written to the target
   * @param echoesDropped captured changes dropped because cdc-sync applied them
   * @param state the pipeline's state
   */
  private record Counters(long captured, long applied, long echoesDropped, String state) {
    Counters minus(Counters before) {
      return new Counters(captured - before.captured, applied - before.applied, echoesDropped - before.echoesDropped,
          state);
    }

    @Override
    public String toString() {
      return "captured " + captured + ", applied " + applied + ", echoes dropped " + echoesDropped;
    }
  }

  private record Answer(int status, JsonNode body) {}

  private static Answer switchRoute(String mode, boolean force) throws Exception {
    String body = "{\"mode\":\"" + mode + "\",\"reason\":\"consistent-switch end-to-end test\""
        + (force ? ",\"force\":true" : "") + "}";
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(stack.gatewayAdminUrl().resolve("/admin/routes/" + ROUTE))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + Stack.GATEWAY_TOKEN)
        .header("Content-Type", "application/json").header("X-Strangler-Actor", "consistent-switch-test")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), json.readTree(response.body()));
  }

  private static JsonNode route() throws Exception {
    return gatewayGet("/admin/routes/" + ROUTE);
  }

  private static JsonNode gatewayGet(String path) throws Exception {
    return admin(HttpRequest.newBuilder(stack.gatewayAdminUrl().resolve(path)).GET(), Stack.GATEWAY_TOKEN);
  }

  private static JsonNode syncGet(String path) throws Exception {
    return admin(HttpRequest.newBuilder(stack.syncAdminUrl().resolve(path)).GET(), Stack.SYNC_TOKEN);
  }

  private static JsonNode syncPost(String path) throws Exception {
    return syncPost(path, "{}");
  }

  private static JsonNode syncPost(String path, String body) throws Exception {
    return admin(HttpRequest.newBuilder(stack.syncAdminUrl().resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), Stack.SYNC_TOKEN);
  }

  private static JsonNode admin(HttpRequest.Builder request, String token) throws Exception {
    HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s: %s", response.uri(), response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * One signup through the gateway.
   *
   * @param status the HTTP status
   * @param target which side answered ({@code X-Strangler-Target})
   * @param email the e-mail sent
   * @param written the acknowledged write (id 0 when not acknowledged)
   * @param body the response body
   */
  private record Signup(int status, String target, String email, Traffic.Written written, String body) {}

  private static Signup signup(URI gateway) throws IOException, InterruptedException {
    // lower-case: the members pipeline lower-cases e-mails
    String email = "fence." + UUID.randomUUID().toString().substring(0, 13) + "@example.com";
    String body = "{\"email\":\"" + email + "\",\"password\":\"sandbox-secret\",\"name\":\"Fence Member\","
        + "\"phone\":\"+82 10-1234-5678\"}";
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway.resolve("/api/members"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    long id = response.statusCode() == 201 ? json.readTree(response.body()).path("id").asLong() : 0;
    return new Signup(response.statusCode(), response.headers().firstValue("X-Strangler-Target").orElse("?"), email,
        new Traffic.Written(id, System.currentTimeMillis()), response.body());
  }

  /** Steady signups through the gateway at a fixed rate; every acknowledged one and every failure kept. */
  private static final class Writers implements AutoCloseable {
    private final URI gateway;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final ThreadPoolExecutor pool = new ThreadPoolExecutor(16, 16, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(64), new ThreadPoolExecutor.AbortPolicy());
    private final List<Traffic.Written> written = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong slowestMillis = new AtomicLong();

    private Writers(URI gateway) {
      this.gateway = gateway;
    }

    static Writers start(URI gateway, int perSecond) {
      Writers writers = new Writers(gateway);
      writers.ticker.scheduleAtFixedRate(writers::tick, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
      return writers;
    }

    private void tick() {
      try {
        pool.execute(this::write);
      } catch (RejectedExecutionException full) {
        skipped.incrementAndGet();
      }
    }

    private void write() {
      long start = System.nanoTime();
      try {
        Signup signup = signup(gateway);
        if (signup.status() == 201) {
          written.add(signup.written());
        } else {
          failures.add(signup.status() + " " + signup.body());
        }
      } catch (IOException e) {
        failures.add(e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        slowestMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
      }
    }

    List<Traffic.Written> written() {
      return written;
    }

    /** Waits until more than {@code seen} signups were acknowledged (or one failed: the test's asserts say which). */
    void awaitMore(int seen) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
          .until(() -> written.size() > seen || !failures.isEmpty());
    }

    List<String> failures() {
      return failures;
    }

    void report(PrintWriter out) {
      out.println("writers: " + written.size() + " signups acknowledged, " + failures.size() + " failed, " + skipped.get()
          + " ticks skipped (pool full), slowest " + slowestMillis.get() + " ms, at " + Instant.now());
      failures.stream().limit(10).forEach(f -> out.println("  failed: " + f));
    }

    @Override
    public void close() throws InterruptedException {
      ticker.shutdownNow();
      pool.shutdown();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  private static double percentile(List<? extends Number> sorted, double p) {
    int index = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))).doubleValue();
  }
}
