package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.gateway.GatewayInstance;
import dev.strangler.gateway.OldMonolith;
import dev.strangler.testkit.TestInfrastructure;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A canary route in front of an older monolith and its rewrite, used by anonymous browsers: no
 * user id, so no sticky key. Each side has its own database and nothing syncs them here (the
 * worst case of a sync that has not caught up), so a read on the other side than the write
 * answers 500 {@code not found}, and a form post on the other side than the form fails its CSRF
 * check. The gateway's sticky cookie keeps every browser on one side.
 */
class AnonymousCanaryIntegrationTests {

  static final int BROWSERS = 40;
  /** The form's token, whichever order the side writes the attributes in. */
  static final Pattern CSRF = Pattern.compile("<input(?=[^>]*name=\"_csrf\")[^>]*value=\"([0-9a-f]+)\"");
  static final Pattern STICKY = Pattern.compile("strangler-sticky=([0-9a-f]{32})");
  static OldMonolith legacy = new OldMonolith("legacy", OldMonolith.Markup.PRETTY);
  static OldMonolith rewrite = new OldMonolith("extracted", OldMonolith.Markup.COMPACT);
  /** Keeps no cookies: each request is a first visit unless it sends a Cookie header itself. */
  static final HttpClient PLAIN = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static GatewayInstance gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_anonymous_canary"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.uri()),
        Map.entry("strangler.gateway.routes.notes.paths[0]", "/notes/**"),
        Map.entry("strangler.gateway.routes.notes.paths[1]", "/notes"),
        Map.entry("strangler.gateway.routes.notes.extracted-uri", rewrite.uri()),
        Map.entry("strangler.gateway.routes.notes.mode", "canary"),
        Map.entry("strangler.gateway.routes.notes.canary.percent", "50"),
        // auto-rollback stays on: cross-side failures used to trip it
        Map.entry("strangler.gateway.routes.members.paths[0]", "/members/**"),
        Map.entry("strangler.gateway.routes.members.extracted-uri", rewrite.uri()),
        Map.entry("strangler.gateway.routes.members.mode", "canary"),
        Map.entry("strangler.gateway.routes.members.canary.percent", "50"),
        Map.entry("strangler.gateway.routes.members.canary.sticky-key", "header:X-Member-Id")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.close();
    rewrite.close();
  }

  /** A browser: keeps cookies, follows nothing by itself (so each hop can be checked). */
  private static HttpClient browser() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
    }
  }

  private static URI at(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  @Test
  void everyAnonymousBrowserReadsBackWhatItWroteThroughTheRedirect() {
    List<String> failures = new ArrayList<>();
    Set<String> sides = new HashSet<>();
    for (int i = 0; i < BROWSERS; i++) {
      HttpClient browser = browser();
      HttpResponse<String> form = send(browser, HttpRequest.newBuilder(at("/notes/new")).GET().build());
      assertThat(form.statusCode()).isEqualTo(200);
      Matcher csrf = CSRF.matcher(form.body());
      assertThat(csrf.find()).isTrue();
      String title = "note-" + i;
      HttpResponse<String> created = send(browser, HttpRequest.newBuilder(at("/notes"))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("title=" + URLEncoder.encode(title, StandardCharsets.UTF_8)
              + "&_csrf=" + csrf.group(1)))
          .build());
      String side = form.headers().firstValue("X-Served-By").orElseThrow();
      sides.add(side);
      if (created.statusCode() != 302) {
        failures.add(title + ": form from " + side + ", post answered " + created.statusCode() + " by "
            + created.headers().firstValue("X-Served-By").orElse("?"));
        continue;
      }
      String location = created.headers().firstValue("Location").orElseThrow();
      assertThat(location).startsWith("http://127.0.0.1:" + gateway.port() + "/notes/");
      HttpResponse<String> read = send(browser, HttpRequest.newBuilder(URI.create(location)).GET().build());
      if (read.statusCode() != 200 || !read.body().contains(">" + title + "<")) {
        failures.add(title + ": written on " + side + ", read " + read.statusCode() + " from "
            + read.headers().firstValue("X-Served-By").orElse("?"));
      }
    }
    assertThat(failures).isEmpty();
    // not a vacuous pass: browsers were split between both sides
    assertThat(sides).containsExactlyInAnyOrder("legacy", "extracted");
    assertThat(gateway.admin("GET", "/admin/routes/notes", null).body()).contains("\"mode\":\"canary\"");
  }

  @Test
  void assignsTheStickyCookieOnTheFirstAnswerOnlyHttpOnlyForTheWholeSite() {
    HttpResponse<String> first = send(PLAIN, HttpRequest.newBuilder(at("/notes/new")).build());
    List<String> cookies = first.headers().allValues("Set-Cookie");
    String sticky = cookies.stream().filter(c -> c.startsWith("strangler-sticky=")).findFirst().orElseThrow();
    // attribute names are case-insensitive (RFC 6265); Netty writes HTTPOnly
    assertThat(sticky).contains("; Path=/").containsIgnoringCase("; HttpOnly").contains("; SameSite=Lax")
        .contains("Max-Age=2592000");
    // the backend's own session cookie still reaches the browser
    assertThat(cookies).anyMatch(c -> c.startsWith("JSESSIONID="));
    Matcher value = STICKY.matcher(sticky);
    assertThat(value.find()).isTrue();

    String side = first.headers().firstValue("X-Strangler-Target").orElseThrow();
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> again = send(PLAIN, HttpRequest.newBuilder(at("/notes/new"))
          .header("Cookie", "strangler-sticky=" + value.group(1)).build());
      assertThat(again.headers().firstValue("X-Strangler-Target")).hasValue(side);
      assertThat(again.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("strangler-sticky="));
    }
  }

  @Test
  void usesTheConfiguredStickyKeyWhenTheRequestHasItAndTheCookieWhenNot() {
    HttpResponse<String> member = send(PLAIN, HttpRequest.newBuilder(at("/members/7"))
        .header("X-Member-Id", "7").build());
    assertThat(member.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("strangler-sticky="));
    String side = CanarySplitter.toNew("7", 50) ? "extracted" : "legacy";
    assertThat(member.headers().firstValue("X-Strangler-Target")).hasValue(side);

    HttpResponse<String> anonymous = send(PLAIN, HttpRequest.newBuilder(at("/members/7")).build());
    assertThat(anonymous.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("strangler-sticky="));
  }

  @Test
  void leavesRoutesThatAreNotInCanaryWithoutACookie() {
    HttpResponse<String> unclaimed = send(PLAIN, HttpRequest.newBuilder(at("/about")).build());
    assertThat(unclaimed.statusCode()).isEqualTo(200);
    assertThat(unclaimed.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("strangler-sticky="));
  }
}
