package dev.strangler.plan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StranglerCliTests {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return StranglerCli.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
  }

  @Test
  void validateAcceptsTheReferencePlan() {
    assertThat(run("validate", "plans/reference.yaml")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("valid, 2 routes");
  }

  @Test
  void validateRejectsABadPlanWithFileLineAndColumnAndExitCode2(@TempDir Path dir) throws Exception {
    Path plan = dir.resolve("bad.yaml");
    Files.writeString(plan, """
        routes:
          - name: signup
            paths: ["/api/members/**"]
            extracted: http://127.0.0.1:8082
            steps:
              - canary: { percent: 150 }
        """);

    assertThat(run("validate", plan.toString())).isEqualTo(ExitCodes.INVALID);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(plan + ":6:").contains("percent 150 is out of range");
  }

  @Test
  void aMissingPlanFileIsAnInvalidPlan(@TempDir Path dir) {
    assertThat(run("validate", dir.resolve("nope.yaml").toString())).isEqualTo(ExitCodes.INVALID);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read the plan");
  }

  @Test
  void anUnreachableGatewayIsExitCode5WithAMessageThatSaysWhere() {
    int code = run("rollback", "signup", "--gateway-url", "http://127.0.0.1:1", "--timeout", "PT1S");

    assertThat(code).isEqualTo(ExitCodes.ADMIN_ERROR);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("gateway admin API is not reachable at http://127.0.0.1:1");
  }

  @Test
  void anUnknownCommandIsExitCode2() {
    assertThat(run("launch")).isEqualTo(ExitCodes.INVALID);
  }

  @Test
  void advanceOfARouteNotInThePlanIsBadUsageAndNamesThePlannedRoutes() {
    int code = run("advance", "payments", "--plan", "plans/reference.yaml", "--gateway-url", "http://127.0.0.1:1");

    assertThat(code).isEqualTo(ExitCodes.INVALID);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("route 'payments' is not in").contains("[signup, orders]");
  }

  /**
   * A pipeline the plan or the gateway's fence names and cdc-sync does not have is shown as such;
   * the rest of the status still comes.
   */
  @Test
  void statusShowsAPipelineCdcSyncDoesNotHave(@TempDir Path dir) throws Exception {
    com.sun.net.httpserver.HttpServer admin = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      String body = switch (path) {
        case "/admin/routes" -> "{\"routes\": [{\"name\": \"signup\", \"mode\": \"shadow\", \"percent\": 0, "
            + "\"fence\": {\"pipelines\": [\"members-to-accounts\", \"members-to-acount\"]}}]}";
        case "/admin/pipelines/members-to-accounts" -> "{\"state\": \"STREAMING\", \"deadLetters\": 0, \"conflicts\": 0}";
        default -> null;
      };
      byte[] bytes = (body == null ? "{\"status\": 404, \"detail\": \"no pipeline\"}" : body)
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", body == null ? "application/problem+json" : "application/json");
      exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    admin.start();
    try {
      Path plan = dir.resolve("plan.yaml");
      Files.writeString(plan, """
          pipelines: [members-to-accounts, acounts-to-members]
          routes:
            - name: signup
              paths: ["/api/members/**"]
              extracted: http://127.0.0.1:8082
              pipelines: [members-to-accounts, acounts-to-members]
              steps:
                - shadow: { for: 1m, max-mismatch-rate: 0.05 }
          """);
      String url = "http://127.0.0.1:" + admin.getAddress().getPort();
      int code = run("status", "--plan", plan.toString(), "--gateway-url", url, "--sync-url", url);

      assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(ExitCodes.OK);
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("members-to-accounts")
          .contains("acounts-to-members - diff ? [NOT_IN_CDC_SYNC]")
          // a typo in the gateway's routes.signup.sync.pipelines shows too
          .contains("members-to-acount - diff ? [NOT_IN_CDC_SYNC]");
    } finally {
      admin.stop(0);
    }
  }

  @Test
  void verifyReachesForCdcSyncWhereTheOptionSays() {
    int code = run("verify", "signup", "--plan", "plans/reference.yaml", "--sync-url", "http://127.0.0.1:1",
        "--timeout", "PT1S");

    assertThat(code).isEqualTo(ExitCodes.ADMIN_ERROR);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cdc-sync admin API is not reachable at http://127.0.0.1:1");
  }
}
