package dev.strangler.gateway.benchmark;

import dev.strangler.gateway.GatewayInstance;
import dev.strangler.gateway.switching.RouteSwitcher;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Not a test: measures what the gateway adds over a direct call to the same local backend, and
 * how fast a switch reaches a second replica. Everything runs in this JVM on 127.0.0.1 (backend:
 * a tiny Reactor Netty server answering a 40-byte JSON body; gateway: route in {@code extracted}
 * mode to that backend; load generator: Reactor Netty client), so on a 2-core machine all three
 * share the CPU.
 *
 * <pre>./mvnw -q -B -pl strangler-gateway exec:java   (after install -DskipTests)</pre>
 *
 * Knobs (system properties): {@code bench.rate} (fixed rate, req/s, default 200),
 * {@code bench.seconds} (per phase, default 4), {@code bench.rounds} (direct and gateway phases
 * alternate this many times, default 3), {@code bench.concurrency} (saturation, default 16),
 * {@code bench.warmup} (seconds of gateway warm-up, default 8),
 * {@code bench.switches} (default 20).
 */
public final class GatewayBenchmark {

  private static final byte[] BODY = "{\"id\":1,\"status\":\"ok\",\"items\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    int rate = Integer.getInteger("bench.rate", 200);
    int seconds = Integer.getInteger("bench.seconds", 4);
    int rounds = Integer.getInteger("bench.rounds", 3);
    int concurrency = Integer.getInteger("bench.concurrency", 16);
    int switches = Integer.getInteger("bench.switches", 20);

    DisposableServer backend = HttpServer.create().host("127.0.0.1").port(0)
        .handle((req, res) -> res.header("Content-Type", "application/json")
            .header("Content-Length", Integer.toString(BODY.length))
            .send(Mono.just(Unpooled.wrappedBuffer(BODY))))
        .bindNow();
    String backendUri = "http://127.0.0.1:" + backend.port();
    TestDatabase database = TestInfrastructure.freshDatabase("gw_bench");
    Map<String, Object> config = Map.of(
        "strangler.gateway.legacy-uri", backendUri,
        "strangler.gateway.routes.bench.paths[0]", "/bench/**",
        "strangler.gateway.routes.bench.extracted-uri", backendUri,
        "strangler.gateway.routes.bench.mode", "extracted",
        "strangler.gateway.routes.bench.auto-rollback.enabled", "false",
        "strangler.gateway.control-store.poll-interval", "60s",
        "logging.level.root", "WARN");
    long started = System.nanoTime();
    try (GatewayInstance a = GatewayInstance.start(database, config);
         GatewayInstance b = GatewayInstance.start(database, config)) {
      System.out.printf("gateways started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
      ConnectionProvider pool = ConnectionProvider.builder("bench").maxConnections(256).pendingAcquireMaxCount(-1).build();
      HttpClient client = HttpClient.create(pool);
      String direct = backendUri + "/bench/orders/1";
      String viaGateway = "http://127.0.0.1:" + a.port() + "/bench/orders/1";

      // warm up both paths (JIT, pools); the gateway's path is longer and needs more to get compiled
      int warmup = Integer.getInteger("bench.warmup", 8);
      saturate(client, direct, concurrency, Duration.ofSeconds(3));
      saturate(client, viaGateway, concurrency, Duration.ofSeconds(warmup));

      // direct and gateway phases alternate, so drifting load from other processes hits both alike
      String loadBefore = loadAverage();
      Latencies directFixed = new Latencies(new long[0], 0);
      Latencies gatewayFixed = new Latencies(new long[0], 0);
      double directCompleted = 0;
      double gatewayCompleted = 0;
      StringBuilder perRound = new StringBuilder("p50 per round (direct / gateway):");
      for (int round = 0; round < rounds; round++) {
        Latencies d = fixedRate(client, direct, rate, Duration.ofSeconds(seconds));
        Latencies g = fixedRate(client, viaGateway, rate, Duration.ofSeconds(seconds));
        perRound.append(String.format(" %.2f / %.2f ms;", d.p(50), g.p(50)));
        directFixed = directFixed.plus(d);
        gatewayFixed = gatewayFixed.plus(g);
      }
      for (int round = 0; round < rounds; round++) {
        directCompleted += saturate(client, direct, concurrency, Duration.ofSeconds(seconds));
        gatewayCompleted += saturate(client, viaGateway, concurrency, Duration.ofSeconds(seconds));
      }
      double directMax = directCompleted / rounds;
      double gatewayMax = gatewayCompleted / rounds;
      String loadAfter = loadAverage();
      double[] propagation = propagation(a, b, switches);
      pool.dispose();

      StringBuilder out = new StringBuilder();
      out.append(String.format("%nRun %s UTC, %d cores (%s), Java %s; load average before %s, after %s%n",
          LocalDateTime.now(ZoneOffset.UTC).withNano(0), Runtime.getRuntime().availableProcessors(),
          System.getProperty("os.arch"), System.getProperty("java.version"), loadBefore, loadAfter));
      out.append(String.format("| measure | direct | via gateway | added / ratio |%n|---|---|---|---|%n"));
      out.append(String.format("| fixed rate %d req/s, %d×%d s: p50 | %.3f ms | %.3f ms | +%.3f ms |%n", rate, rounds, seconds,
          directFixed.p(50), gatewayFixed.p(50), gatewayFixed.p(50) - directFixed.p(50)));
      out.append(String.format("| fixed rate %d req/s, %d×%d s: p99 | %.3f ms | %.3f ms | +%.3f ms |%n", rate, rounds, seconds,
          directFixed.p(99), gatewayFixed.p(99), gatewayFixed.p(99) - directFixed.p(99)));
      out.append(String.format("| fixed rate: errors | %d | %d | |%n", directFixed.errors, gatewayFixed.errors));
      out.append(String.format("| saturation, %d in flight, %d×%d s: throughput | %.0f req/s | %.0f req/s | %.2f× |%n",
          concurrency, rounds, seconds, directMax, gatewayMax, gatewayMax / directMax));
      out.append(String.format("| switch propagation A→B (%d switches; admin PUT sent on A → applied on B) | | p50 %.1f ms, p99 %.1f ms, max %.1f ms | |%n",
          switches, propagation[0], propagation[1], propagation[2]));
      out.append(perRound).append(System.lineSeparator());
      System.out.println(out);
    } finally {
      backend.disposeNow();
    }
    System.exit(0);
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  /** Latencies in nanoseconds, sorted. */
  record Latencies(long[] nanos, long errors) {
    Latencies plus(Latencies other) {
      long[] all = Arrays.copyOf(nanos, nanos.length + other.nanos.length);
      System.arraycopy(other.nanos, 0, all, nanos.length, other.nanos.length);
      Arrays.sort(all);
      return new Latencies(all, errors + other.errors);
    }

    double p(double percentile) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.min(nanos.length - 1, Math.ceil(percentile / 100.0 * nanos.length) - 1);
      return nanos[Math.max(0, index)] / 1_000_000.0;
    }
  }

  private static Mono<Integer> call(HttpClient client, String uri) {
    return client.get().uri(uri).responseSingle((res, body) -> body.asByteArray().thenReturn(res.status().code()));
  }

  /** Open-loop: requests start on schedule whatever the latency, so queueing shows in the figures. */
  static Latencies fixedRate(HttpClient client, String uri, int rate, Duration duration) throws InterruptedException {
    int total = (int) (rate * duration.toSeconds());
    long[] latencies = new long[total];
    AtomicInteger done = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(total);
    long intervalNanos = 1_000_000_000L / rate;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long due = start + i * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      int slot = i;
      call(client, uri).subscribe(status -> {
        latencies[slot] = System.nanoTime() - due;
        if (status != 200) {
          errors.incrementAndGet();
        }
      }, error -> {
        latencies[slot] = System.nanoTime() - due;
        errors.incrementAndGet();
        finished.countDown();
      }, () -> {
        done.incrementAndGet();
        finished.countDown();
      });
    }
    finished.await(60, TimeUnit.SECONDS);
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new Latencies(sorted, errors.get());
  }

  /** Closed-loop: {@code concurrency} requests always in flight; returns completed requests per second. */
  static double saturate(HttpClient client, String uri, int concurrency, Duration duration) {
    AtomicLong completed = new AtomicLong();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    Flux.range(0, concurrency)
        .flatMap(worker -> Flux.<Integer>empty()
            .concatWith(Mono.defer(() -> call(client, uri)).doOnNext(s -> completed.incrementAndGet()))
            .repeat(() -> System.nanoTime() < end), concurrency)
        .blockLast(duration.plusSeconds(30));
    return completed.get() / ((System.nanoTime() - start) / 1e9);
  }

  /** Switches on A through its admin API; times until B (LISTEN/NOTIFY) has applied each switch. */
  static double[] propagation(GatewayInstance a, GatewayInstance b, int switches) throws InterruptedException {
    BlockingQueue<Long> applied = new ArrayBlockingQueue<>(switches + 10);
    b.context().getBean(RouteSwitcher.class).onSwitch(e -> applied.add(System.nanoTime()));
    a.switchRoute("bench", "canary", 50.0);
    applied.poll(10, TimeUnit.SECONDS);
    double[] ms = new double[switches];
    for (int i = 0; i < switches; i++) {
      long start = System.nanoTime();
      a.switchRoute("bench", i % 2 == 0 ? "extracted" : "canary", i % 2 == 0 ? null : 50.0);
      Long at = applied.poll(10, TimeUnit.SECONDS);
      ms[i] = at == null ? Double.NaN : (at - start) / 1e6;
    }
    Arrays.sort(ms);
    return new double[] {ms[switches / 2], ms[(int) Math.ceil(switches * 0.99) - 1], ms[switches - 1]};
  }
}
