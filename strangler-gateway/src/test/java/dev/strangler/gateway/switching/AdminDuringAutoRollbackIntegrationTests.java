package dev.strangler.gateway.switching;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admin calls right after automatic rollbacks: every answer comes within 2 s. An admin GET once
 * got no answer for 10 s and more right after an auto-rollback; a call slower than 2 s fails this
 * test, with a thread dump of the gateway (it runs in this JVM) taken while the call waits.
 */
class AdminDuringAutoRollbackIntegrationTests {

  private static final long LIMIT_MILLIS = 2000;
  private static final int ROLLBACKS = Integer.getInteger("test.rollbacks", 20);

  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer failing = new WireMockServer(options().dynamicPort());
  static GatewayInstance gateway;
  static final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void start() {
    legacy.start();
    failing.start();
    legacy.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("legacy")));
    failing.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503).withBody("broken")));
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_admin_rollbacks"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.flaky.paths[0]", "/api/flaky/**"),
        Map.entry("strangler.gateway.routes.flaky.extracted-uri", failing.baseUrl()),
        Map.entry("strangler.gateway.routes.flaky.mode", "shadow"),
        Map.entry("strangler.gateway.routes.flaky.auto-rollback.max-error-rate", "0.2"),
        Map.entry("strangler.gateway.routes.flaky.auto-rollback.min-requests", "5"),
        Map.entry("strangler.gateway.routes.flaky.auto-rollback.window", "30s")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.stop();
    failing.stop();
  }

  @Test
  void answersEveryAdminCallWithinTwoSecondsThroughTwentyAutoRollbacks() {
    // one untimed round first: the first calls of a fresh JVM load classes and run cold code
    gateway.admin("PUT", "/admin/routes/flaky", "{\"mode\":\"shadow\",\"reason\":\"warm-up\"}");
    gateway.admin("GET", "/admin/routes", null);
    gateway.admin("GET", "/admin/audit?route=flaky&limit=1", null);
    gateway.admin("GET", "/actuator/prometheus", null);
    gateway.get("/api/flaky/warm-up");
    List<Long> millis = new ArrayList<>();
    for (int round = 0; round < ROLLBACKS; round++) {
      String mode = round % 2 == 0 ? "extracted" : "canary";
      String body = "{\"mode\":\"" + mode + "\",\"percent\":100,\"reason\":\"round " + round + "\"}";
      // calls answered on a worker thread (switch, audit, metrics) and in-memory ones right after
      // them, on the same kept-alive connection, as a CLI or the dashboard would make them
      assertThat(timed(millis, () -> gateway.admin("PUT", "/admin/routes/flaky", body)).statusCode())
          .isEqualTo(200);
      readRoutes(millis);
      for (int i = 0; i < 6; i++) {
        gateway.get("/api/flaky/" + i);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      String now;
      do {
        now = json.readTree(timed(millis, () -> gateway.admin("GET", "/admin/routes/flaky", null)).body())
            .get("mode").asString();
      } while (!now.equals("shadow") && System.nanoTime() < deadline);
      assertThat(now).as("round %d rolled back by itself", round).isEqualTo("shadow");
      HttpResponse<String> audit = timed(millis, () -> gateway.admin("GET", "/admin/audit?route=flaky&limit=1", null));
      assertThat(json.readTree(audit.body()).get(0).get("actor").asString()).isEqualTo("auto-rollback");
      readRoutes(millis);
      // in shadow again: the copies go to the broken service while the admin API is asked
      for (int i = 0; i < 3; i++) {
        gateway.get("/api/flaky/after/" + i);
      }
      timed(millis, () -> gateway.admin("GET", "/actuator/prometheus", null));
      readRoutes(millis);
    }
    System.out.println("ADMIN-DURING-ROLLBACKS calls " + millis.size() + ", slowest "
        + millis.stream().mapToLong(Long::longValue).max().orElse(0) + " ms");
  }

  private static void readRoutes(List<Long> millis) {
    timed(millis, () -> gateway.admin("GET", "/admin/routes/flaky", null));
    timed(millis, () -> gateway.admin("GET", "/admin/routes", null));
    timed(millis, () -> gateway.admin("GET", "/admin/routes/flaky", null));
  }

  /** Runs an admin call, failing (with a thread dump taken while it waits) when it takes over 2 s. */
  private static HttpResponse<String> timed(List<Long> millis, Supplier<HttpResponse<String>> call) {
    long start = System.nanoTime();
    CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(call);
    try {
      HttpResponse<String> response = answer.get(LIMIT_MILLIS, TimeUnit.MILLISECONDS);
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      millis.add(took);
      if (took > 200) {
        System.out.println("ADMIN-DURING-ROLLBACKS slow call " + took + " ms: " + response.request().method() + " "
            + response.request().uri());
      }
      return response;
    } catch (TimeoutException e) {
      String dump = threadDump();
      throw new AssertionError("an admin call got no answer in " + LIMIT_MILLIS + " ms; threads meanwhile:\n" + dump);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String threadDump() {
    StringBuilder b = new StringBuilder();
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      b.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
      if (info.getLockName() != null) {
        b.append(" on ").append(info.getLockName());
      }
      if (info.getLockOwnerName() != null) {
        b.append(" owned by \"").append(info.getLockOwnerName()).append('"');
      }
      b.append('\n');
      for (StackTraceElement frame : info.getStackTrace()) {
        b.append("    at ").append(frame).append('\n');
      }
    }
    return b.toString();
  }
}
