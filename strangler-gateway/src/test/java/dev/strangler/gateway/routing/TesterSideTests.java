package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class TesterSideTests {

  static final String TOKEN = "tester-token-0123456789abcdef";
  static final String ADMIN = "admin-token-0123456789";

  private static GatewayProperties.Testers testers(String token) {
    return new GatewayProperties.Testers(token, "X-Strangler-Side", "X-Strangler-Tester-Token", "strangler-side",
        "strangler-tester-token");
  }

  private final TesterSide side = TesterSide.from(testers(TOKEN), ADMIN, "strangler-sticky");

  @Test
  void isOffWithoutAToken() {
    assertThat(TesterSide.from(testers(null), ADMIN, "strangler-sticky").enabled()).isFalse();
  }

  @Test
  void refusesAShortTokenNamingTheProperty() {
    assertThatThrownBy(() -> TesterSide.from(testers("short"), null, null))
        .hasMessageContaining("strangler.gateway.testers.token");
  }

  @Test
  void refusesTheAdminTokenAsTesterToken() {
    assertThatThrownBy(() -> TesterSide.from(testers(ADMIN), ADMIN, null))
        .hasMessageContaining("strangler.gateway.admin.token");
  }

  @ParameterizedTest(name = "token ''{0}''")
  @CsvSource(delimiter = '|', value = {
      "tester token 0123456789",
      "tester;token;0123456789",
      "tester,token,0123456789",
      "tester\"token\"0123456789",
      "tester\\token\\0123456789",
      "tester-token-0123456789-é"})
  void refusesATokenThatCannotTravelAsACookieValue(String token) {
    assertThatThrownBy(() -> TesterSide.from(testers(token), ADMIN, null))
        .isInstanceOf(InvalidRouteConfigurationException.class)
        .hasMessageStartingWith("strangler.gateway.testers.token:");
  }

  @ParameterizedTest(name = "cookie ''{0}'', token cookie ''{1}'' -> {2}")
  @CsvSource({
      "'strangler side',  strangler-tester-token, strangler.gateway.testers.cookie",
      "'',                strangler-tester-token, strangler.gateway.testers.cookie",
      "strangler-side,    'a=b',                  strangler.gateway.testers.token-cookie",
      "strangler-side,    'tok;en',               strangler.gateway.testers.token-cookie",
      "strangler-side,    strangler-side,         strangler.gateway.testers.token-cookie",
      "strangler-sticky,  strangler-tester-token, strangler.gateway.testers.cookie",
      "strangler-side,    strangler-sticky,       strangler.gateway.testers.token-cookie"})
  void refusesABadCookieNameNamingTheProperty(String cookie, String tokenCookie, String property) {
    var config = new GatewayProperties.Testers(TOKEN, "X-Strangler-Side", "X-Strangler-Tester-Token", cookie,
        tokenCookie);
    assertThatThrownBy(() -> TesterSide.from(config, ADMIN, "strangler-sticky"))
        .isInstanceOf(InvalidRouteConfigurationException.class)
        .hasMessageStartingWith(property + ":");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "session=abc                                                             | NONE",
      "strangler-side=extracted; strangler-tester-token=" + TOKEN + "           | EXTRACTED",
      "strangler-side=new; strangler-tester-token=" + TOKEN + "                 | EXTRACTED",
      "strangler-tester-token=" + TOKEN + "; strangler-side=legacy             | LEGACY",
      "strangler-side=\"extracted\"; strangler-tester-token=\"" + TOKEN + "\"  | EXTRACTED",
      "a=1;strangler-side = extracted ;strangler-tester-token=" + TOKEN + ";b=2 | EXTRACTED",
      "strangler-side=extracted                                                | REFUSED",
      "strangler-side=extracted; strangler-tester-token=" + TOKEN + "x          | REFUSED",
      "strangler-side=sideways; strangler-tester-token=" + TOKEN + "            | REFUSED",
      "strangler-tester-token=" + TOKEN + "                                    | UNASKED",
      "strangler-side=; strangler-tester-token=" + TOKEN + "                    | UNASKED",
      "Strangler-Side=extracted; Strangler-Tester-Token=" + TOKEN + "           | NONE",
      "xstrangler-side=extracted; strangler-tester-tokenx=" + TOKEN + "         | NONE"})
  void readsTheSideAndTokenFromTheirCookies(String cookie, TesterSide.Ask expected) {
    var request = MockServerHttpRequest.get("/api/x").header(HttpHeaders.COOKIE, cookie).build();
    assertThat(side.ask(request)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "header {0}, header token {1}, cookie {2} -> {3}")
  @CsvSource({
      "legacy,    valid, strangler-side=extracted; strangler-tester-token=" + TOKEN + ", LEGACY",
      "extracted, none,  strangler-tester-token=" + TOKEN + ",                          EXTRACTED",
      "'',        valid, strangler-side=extracted,                                     EXTRACTED",
      "legacy,    wrong, strangler-side=extracted; strangler-tester-token=" + TOKEN + ", REFUSED"})
  void prefersTheHeaderOverTheCookieForSideAndToken(String headerSide, String headerToken, String cookie,
      TesterSide.Ask expected) {
    var request = MockServerHttpRequest.get("/api/x").header(HttpHeaders.COOKIE, cookie);
    if (!headerSide.isEmpty()) {
      request.header("X-Strangler-Side", headerSide);
    }
    if (!headerToken.equals("none")) {
      request.header("X-Strangler-Tester-Token", headerToken.equals("valid") ? TOKEN : "not-the-token-0123456789");
    }
    assertThat(side.ask(request.build())).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "session=abc; strangler-side=extracted; strangler-sticky=0123; strangler-tester-token=t | session=abc; strangler-sticky=0123",
      "strangler-side=extracted; session=abc                                                   | session=abc",
      "session=abc;strangler-tester-token=t;theme=\"dark\"                                       | session=abc;theme=\"dark\"",
      "session=abc;  other=x y                                                                 | session=abc;  other=x y",
      "xstrangler-side=1; strangler-side-x=2                                                   | xstrangler-side=1; strangler-side-x=2"})
  void stripsOnlyTheTesterCookies(String sent, String forwarded) {
    var exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x").header(HttpHeaders.COOKIE, sent));
    assertThat(side.strip(exchange).getRequest().getHeaders().get(HttpHeaders.COOKIE)).containsExactly(forwarded);
  }

  @Test
  void stripsEachCookieHeaderLineAndDropsTheEmptyOnes() {
    var exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x")
        .header(HttpHeaders.COOKIE, "strangler-side=extracted", "session=abc; strangler-tester-token=t",
            "strangler-tester-token=t")
        .header("X-Strangler-Side", "legacy"));
    HttpHeaders forwarded = side.strip(exchange).getRequest().getHeaders();
    assertThat(forwarded.get(HttpHeaders.COOKIE)).containsExactly("session=abc");
    assertThat(forwarded.containsHeader("X-Strangler-Side")).isFalse();
  }

  @Test
  void removesTheCookieHeaderWhenOnlyTesterCookiesWereSent() {
    var exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x")
        .header(HttpHeaders.COOKIE, "strangler-side=extracted; strangler-tester-token=" + TOKEN));
    assertThat(side.strip(exchange).getRequest().getHeaders().containsHeader(HttpHeaders.COOKIE)).isFalse();
  }
}
