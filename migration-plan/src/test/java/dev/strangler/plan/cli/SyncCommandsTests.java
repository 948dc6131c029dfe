package dev.strangler.plan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code sync ddl} and the key ranges in {@code status}, against a stand-in for cdc-sync's admin API. */
class SyncCommandsTests {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String call = exchange.getRequestURI().toString();
      asked.add(call);
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String answer = answers.get(call.replaceAll("\\?.*", ""));
      byte[] body = (answer == null ? "{\"title\":\"Not Found\",\"detail\":\"no pipeline 'nope'\"}" : answer)
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(answer == null ? 404 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private int run(String... args) {
    return StranglerCli.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
  }

  @Test
  void syncDdlPrintsTheScriptOfTheMissingTargetTables() {
    answers.put("/admin/pipelines/members-to-accounts/ddl", """
        {"pipeline":"members-to-accounts","datasource":"signup",
         "tables":[{"table":"public.accounts","exists":false,"sourceExists":true,"ddl":"CREATE TABLE x ();"}],
         "script":"--liquibase formatted sql\\n\\n--changeset strangler:members-to-accounts-public.accounts\\nCREATE TABLE x ();\\n"}""");

    int code = run("sync", "ddl", "members-to-accounts", "--liquibase", "--sync-url", url());

    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(asked).containsExactly("/admin/pipelines/members-to-accounts/ddl?format=liquibase&all=false");
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("--liquibase formatted sql\n")
        .contains("--changeset strangler:members-to-accounts-public.accounts\nCREATE TABLE x ();");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("run on datasource 'signup'; missing: [public.accounts]");
  }

  @Test
  void syncDdlOfAnUnknownPipelineIsExitCode5() {
    int code = run("sync", "ddl", "nope", "--sync-url", url());

    assertThat(code).isEqualTo(ExitCodes.ADMIN_ERROR);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cdc-sync answered 404", "no pipeline 'nope'");
  }

  @Test
  void statusShowsATargetKeyWhoseSequenceCollidesWithItsFix() {
    answers.put("/admin/routes", "{\"routes\":[{\"name\":\"signup\",\"mode\":\"shadow\",\"percent\":0}]}");
    answers.put("/admin/pipelines/members-to-accounts", """
        {"name":"members-to-accounts","state":"STREAMING","lag":{"lastMillis":4},"deadLetters":0,"conflicts":0,
         "keyRanges":[{"table":"public.accounts","column":"id","sequence":"public.accounts_id_seq","nextValue":1,
           "status":"COLLIDES","problem":"the target's next value 1 is not beyond key 300",
           "fix":"on datasource 'signup' run SELECT setval('public.accounts_id_seq', 301, false)"}]}""");
    answers.put("/admin/pipelines/accounts-to-members",
        "{\"name\":\"accounts-to-members\",\"state\":\"STREAMING\",\"keyRanges\":[{\"status\":\"OK\"}]}");

    int code = run("status", "--plan", "plans/reference.yaml", "--gateway-url", url(), "--sync-url", url());

    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("members-to-accounts 4ms diff ? KEYS!")
        .contains("KEYS! members-to-accounts: public.accounts.id COLLIDES: the target's next value 1 is not beyond key "
            + "300; fix: on datasource 'signup' run SELECT setval('public.accounts_id_seq', 301, false)")
        .doesNotContain("KEYS! accounts-to-members");
  }

  @Test
  void repairIsADryRunByDefaultThatPrintsTheCountAndExits3() {
    answers.put("/admin/pipelines/members-to-accounts/repair", """
        {"applied":false,"inserts":2,"updates":3,"deletes":1,"keys":[],"stillDiffering":[]}""");

    int code = run("repair", "members-to-accounts", "--sync-url", url());

    assertThat(code).isEqualTo(ExitCodes.GATE_FAILED);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("members-to-accounts: would repair 6 rows (2 inserts, 3 updates, 1 deletes); --apply writes it");
    assertThat(bodies).singleElement().asString().contains("\"apply\":false");
  }

  @Test
  void repairWithApplyThatReVerifiesEqualExits0() {
    answers.put("/admin/pipelines/members-to-accounts/repair", """
        {"applied":true,"inserts":0,"updates":1,"deletes":0,"keys":[],"stillDiffering":[]}""");

    int code = run("repair", "members-to-accounts", "--apply", "--by", "ana", "--sync-url", url());

    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("repaired 1 rows (0 inserts, 1 updates, 0 deletes); re-verify equal");
    assertThat(bodies).singleElement().asString().contains("\"apply\":true", "\"by\":\"ana\"");
  }

  @Test
  void repairWithoutAPipelineIsExitCode2AndOfAnUnknownOneExitCode5() {
    assertThat(run("repair", "--sync-url", url())).isEqualTo(ExitCodes.INVALID);
    assertThat(run("repair", "nope", "--sync-url", url())).isEqualTo(ExitCodes.ADMIN_ERROR);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no pipeline 'nope'");
  }
}
