package dev.strangler.gateway.dashboard;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The migration dashboard (module strangler-dashboard) in real headless Chromium against a real
 * gateway: PostgreSQL control store from the test kit, two WireMock backends, traffic flowing,
 * and cdc-sync's admin API played by WireMock.
 * Needs Debian's {@code chromium} and {@code chromium-driver}; skipped without them.
 */
class DashboardBrowserTests {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final JsonMapper JSON = JsonMapper.builder().build();

  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer extracted = new WireMockServer(options().dynamicPort());
  /** cdc-sync's admin API, external to the gateway and its dashboard */
  static WireMockServer sync = new WireMockServer(options().dynamicPort());
  static final String SYNC_TOKEN = "sync-admin-token-0123456789";
  static GatewayInstance gateway;
  static ScheduledExecutorService traffic;
  static WebDriver browser;
  static Path profile;
  private static final String TESTER_TOKEN = "browser-tester-token-0123";

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Dashboard browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (Debian: apt-get install chromium chromium-driver)");
    legacy.start();
    extracted.start();
    sync.start();
    sync.stubFor(get("/admin/pipelines").withHeader("Authorization", equalTo("Bearer " + SYNC_TOKEN))
        .willReturn(okJson("[{\"name\":\"orders-to-orders\",\"source\":\"legacy\",\"target\":\"orders\","
            + "\"state\":\"STREAMING\",\"lastError\":null,\"lag\":{\"lastMillis\":42,\"p50Millis\":30,"
            + "\"p99Millis\":80},\"eventsCaptured\":1200,\"eventsApplied\":1190,\"echoesDropped\":3,"
            + "\"deadLetters\":1,\"conflicts\":2}]")));
    sync.stubFor(post("/admin/pipelines/orders-to-orders/verify")
        .withHeader("Authorization", equalTo("Bearer " + SYNC_TOKEN))
        .willReturn(okJson("{\"equal\":true,\"sourceRows\":120,\"targetRows\":120,\"differingKeys\":[],"
            + "\"tables\":[]}")));
    legacy.stubFor(get(urlPathMatching("/api/.*")).willReturn(okJson(
        "{\"id\":7,\"status\":\"PAID\",\"total\":12.5,\"items\":[{\"sku\":\"pizza\",\"qty\":1}]}")));
    extracted.stubFor(get(urlPathMatching("/api/.*")).willReturn(okJson(
        "{\"id\":7,\"status\":\"paid\",\"total\":12.5,\"items\":[{\"sku\":\"pizza\",\"qty\":2}]}")
        .withFixedDelay(3)));
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_dashboard"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.paths[0]", "/api/orders/**"),
        Map.entry("strangler.gateway.routes.orders.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.members.paths[0]", "/api/members/**"),
        Map.entry("strangler.gateway.routes.members.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.members.mode", "shadow"),
        Map.entry("strangler.gateway.routes.members.shadow.redact[0]", "$.total"),
        Map.entry("strangler.gateway.testers.token", TESTER_TOKEN),
        Map.entry("strangler.dashboard.sync.admin-url", sync.baseUrl()),
        Map.entry("strangler.dashboard.sync.token", SYNC_TOKEN),
        Map.entry("strangler.dashboard.route-pipelines.orders", "orders-to-orders")));
    // a steady trickle of traffic so the charts and counters move (~25 requests/s)
    traffic = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger n = new AtomicInteger();
    traffic.scheduleAtFixedRate(() -> {
      int i = n.incrementAndGet();
      try {
        gateway.get(i % 3 == 0 ? "/api/members/" + i : "/api/orders/" + i);
      } catch (RuntimeException e) {
        // the gateway is shutting down
      }
    }, 0, 40, TimeUnit.MILLISECONDS);

    profile = Files.createTempDirectory("dashboard-chromium");
    ChromeOptions chrome = new ChromeOptions();
    chrome.setBinary(CHROMIUM.toFile());
    chrome.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1366,2800", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, chrome);
  }

  @AfterAll
  static void stop() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (traffic != null) {
      traffic.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    for (WireMockServer server : new WireMockServer[] {legacy, extracted, sync}) {
      if (server.isRunning()) {
        server.stop();
      }
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void operatorSwitchesARouteToCanaryWatchesItAndRollsItBack() throws IOException {
    try {
      // the page redraws tables every poll: elements found a moment ago may be gone
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      wait.ignoring(StaleElementReferenceException.class);
      switchAndRollBack(wait);
    } catch (RuntimeException | AssertionError e) {
      // what the operator would have seen: the status line and the page text
      String page = browser.findElement(By.tagName("body")).getText();
      throw new AssertionError(e.getMessage() + "\n--- page text ---\n"
          + page.substring(0, Math.min(3000, page.length())), e);
    }
  }

  private void switchAndRollBack(WebDriverWait wait) throws IOException {
    browser.get("http://127.0.0.1:" + gateway.managementPort() + "/admin/ui/");

    // a wrong token: a clear error, no dashboard
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys("not-the-token");
    browser.findElement(By.id("sign-in")).click();
    WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
    assertThat(error.getText()).contains("refused this admin token").contains("401");
    assertThat(browser.findElement(By.id("dashboard")).isDisplayed()).isFalse();

    // the right token: the routes and their modes
    browser.findElement(By.id("token")).sendKeys(GatewayInstance.TOKEN);
    browser.findElement(By.id("actor")).sendKeys("browser-test");
    browser.findElement(By.id("sign-in")).click();
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#route-orders [data-field=mode]"), "legacy"));
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#route-members [data-field=mode]"), "shadow"));
    assertThat(browser.findElement(By.cssSelector("#route-orders [data-field=share]")).getText()).isEqualTo("0 %");
    assertThat((String) ((JavascriptExecutor) browser)
        .executeScript("return sessionStorage.getItem('strangler.dashboard.token')")).isEqualTo(GatewayInstance.TOKEN);

    // switch orders to canary 20 %, confirmed with a reason
    WebElement orders = browser.findElement(By.id("route-orders"));
    new Select(orders.findElement(By.cssSelector("[data-input=mode]"))).selectByValue("canary");
    WebElement percent = orders.findElement(By.cssSelector("[data-input=percent]"));
    percent.clear();
    percent.sendKeys("20");
    orders.findElement(By.cssSelector("[data-action=switch]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    assertThat(browser.findElement(By.id("confirm-text")).getText())
        .isEqualTo("Switch route orders from legacy to canary 20 %?");
    browser.findElement(By.id("confirm-ok")).click(); // no reason yet: refused in the dialog
    assertThat(browser.findElement(By.id("confirm-error")).getText()).contains("A reason is required");
    browser.findElement(By.id("confirm-reason")).sendKeys("new order service looks good in shadow");
    browser.findElement(By.id("confirm-ok")).click();

    wait.until(ExpectedConditions.textToBe(By.cssSelector("#route-orders [data-field=mode]"), "canary 20 %"));
    assertThat(browser.findElement(By.cssSelector("#route-orders [data-field=share]")).getText()).isEqualTo("20 %");
    String overview = wait.until(d -> d.findElement(By.cssSelector("#overview tr[data-route=orders]")).getText());
    assertThat(overview).contains("canary 20 %").contains("20 %");
    JsonNode live = JSON.readTree(gateway.admin("GET", "/admin/routes/orders", null).body());
    assertThat(live.get("mode").asString()).isEqualTo("canary");
    assertThat(live.get("percent").asDouble()).isEqualTo(20.0);
    assertThat(live.get("updatedBy").asString()).isEqualTo("browser-test");
    String audit = rowText(wait, "new order service looks good in shadow");
    assertThat(audit).contains("orders").contains("legacy → canary 20 %").contains("manual").contains("browser-test");

    // the new service now serves part of the traffic, and the page shows it
    wait.until(d -> count(d, "#route-orders tr[data-target=new] td") > 15);
    wait.until(d -> !d.findElements(By.cssSelector("#route-members details")).isEmpty());
    // open the latest mismatches (the page keeps them open across redraws)
    ((JavascriptExecutor) browser).executeScript("document.querySelector('#route-members details').open = true");
    String marked = wait.until(d -> d.findElement(By.cssSelector("#route-members details pre.body .line.diff")).getText());
    assertThat(marked).startsWith("≠");
    String mismatches = wait.until(d -> d.findElement(By.cssSelector("#route-members details")).getText());
    assertThat(mismatches).contains("$.status").contains("***").doesNotContain("12.5");

    // the route's pipeline, read through the dashboard's proxy, and a verify with a reason
    By pipeline = By.cssSelector("#route-orders tr[data-pipeline=orders-to-orders]");
    String row = wait.until(d -> d.findElement(pipeline).getText());
    assertThat(row).contains("STREAMING").contains("42 ms (p99 80 ms)").contains("not run from this dashboard");
    wait.until(d -> {
      d.findElement(pipeline).findElement(By.cssSelector("[data-action=verify]")).click();
      return true;
    });
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    assertThat(browser.findElement(By.id("confirm-text")).getText()).startsWith("Run a verify of pipeline orders-to-orders?");
    browser.findElement(By.id("confirm-reason")).sendKeys("before raising the canary");
    browser.findElement(By.id("confirm-ok")).click();
    wait.until(d -> d.findElement(pipeline).getText().contains("equal, 120 / 120 rows"));
    assertThat(browser.findElement(By.id("notice")).getText()).contains("source and target are equal");
    sync.verify(1, postRequestedFor(urlEqualTo("/admin/pipelines/orders-to-orders/verify")));
    assertThat(rowText(wait, "before raising the canary"))
        .contains("orders").contains("verify orders-to-orders: equal (120 source rows, 120 target rows)")
        .contains("browser-test");
    screenshot();

    // testers' requests are shown apart, and so is pinned shadow noise
    for (int i = 0; i < 3; i++) {
      gateway.get("/api/orders/tester-" + i, "X-Strangler-Side", "extracted", "X-Strangler-Tester-Token", TESTER_TOKEN);
    }
    gateway.get("/api/orders/stray", "X-Strangler-Side", "extracted");
    assertThat(gateway.admin("PUT", "/admin/routes/members/noise", "{\"path\":\"$.status\"}").statusCode()).isEqualTo(200);
    wait.until(d -> d.findElement(By.cssSelector("#route-orders [data-field=budget]")).getText()
        .contains("testers since start: 3 requests (1 side requests without a valid token, ignored)"));
    wait.until(d -> d.findElement(By.cssSelector("#route-members [data-field=shadow]")).getText().contains("$.status"));

    // roll back, confirmed with a reason
    orders.findElement(By.cssSelector("[data-action=rollback]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    assertThat(browser.findElement(By.id("confirm-text")).getText())
        .isEqualTo("Roll route orders back from canary 20 %?");
    browser.findElement(By.id("confirm-reason")).sendKeys("checking the refund path first");
    browser.findElement(By.id("confirm-ok")).click();
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#route-orders [data-field=mode]"), "legacy"));
    assertThat(rowText(wait, "checking the refund path first")).contains("canary 20 % → legacy").contains("manual");
    assertThat(JSON.readTree(gateway.admin("GET", "/admin/routes/orders", null).body()).get("mode").asString())
        .isEqualTo("legacy");
  }

  /** The audit row with this reason, as text, once it is there. */
  private static String rowText(WebDriverWait wait, String reason) {
    By row = By.xpath("//section[@id='audit']//tr[td[text()='" + reason + "']]");
    return wait.until(d -> d.findElements(row).isEmpty() ? null : d.findElement(row).getText());
  }

  private static long count(WebDriver driver, String rowCells) {
    // the second cell of the row is "requests since start"
    var cells = driver.findElements(By.cssSelector(rowCells));
    return cells.isEmpty() ? 0 : Long.parseLong(cells.get(0).getText().replace(",", ""));
  }

  /**
   * The page during the canary, in target/; with {@code -Dstrangler.docs.screenshot=true} also
   * the repository's docs/dashboard.png shown in the README (so a plain build leaves the tree clean).
   */
  private static void screenshot() throws IOException {
    Path shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(Path.of("target"));
    Files.copy(shot, Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
    Path docs = Path.of("").toAbsolutePath().resolveSibling("docs");
    if (Boolean.getBoolean("strangler.docs.screenshot") && Files.isDirectory(docs)) {
      Files.copy(shot, docs.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
