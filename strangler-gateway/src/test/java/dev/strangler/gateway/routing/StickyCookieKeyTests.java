package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class StickyCookieKeyTests {

  private final StickyCookieKey cookie = StickyCookieKey.from(
      new GatewayProperties.StickyCookie(true, "strangler-sticky", Duration.ofDays(30), false),
      "strangler.gateway.sticky-cookie");

  @Test
  void assignsAnHttpOnlyLaxCookieForTheWholeSiteWhenTheRequestHasNone() {
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/notes/new"));
    String key = cookie.keyOf(exchange);
    ResponseCookie set = exchange.getResponse().getCookies().getFirst("strangler-sticky");
    assertThat(key).matches("[0-9a-f]{32}");
    assertThat(set).isNotNull();
    assertThat(set.getValue()).isEqualTo(key);
    assertThat(set.getPath()).isEqualTo("/");
    assertThat(set.isHttpOnly()).isTrue();
    assertThat(set.getSameSite()).isEqualTo("Lax");
    assertThat(set.getMaxAge()).isEqualTo(Duration.ofDays(30));
    assertThat(set.isSecure()).isFalse();
  }

  @Test
  void keysByTheCookieTheClientCarriesAndSetsNoOther() {
    String value = "0123456789abcdef0123456789abcdef";
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/notes/1")
        .cookie(new HttpCookie("strangler-sticky", value)));
    assertThat(cookie.keyOf(exchange)).isEqualTo(value);
    assertThat(exchange.getResponse().getCookies()).isEmpty();
  }

  @Test
  void replacesAValueTheGatewayDidNotMake() {
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/notes/1")
        .cookie(new HttpCookie("strangler-sticky", "member-7")));
    String key = cookie.keyOf(exchange);
    assertThat(key).isNotEqualTo("member-7").matches("[0-9a-f]{32}");
    assertThat(exchange.getResponse().getCookies().getFirst("strangler-sticky").getValue()).isEqualTo(key);
  }

  @Test
  void marksItSecureOverHttpsAndMakesASessionCookieForZeroMaxAge() {
    StickyCookieKey session = StickyCookieKey.from(
        new GatewayProperties.StickyCookie(true, "sticky", Duration.ZERO, false), "strangler.gateway.sticky-cookie");
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("https://shop.example/notes"));
    session.keyOf(exchange);
    ResponseCookie set = exchange.getResponse().getCookies().getFirst("sticky");
    assertThat(set.isSecure()).isTrue();
    assertThat(set.getMaxAge().isNegative()).isTrue(); // no Max-Age attribute: gone when the browser closes
  }

  @Test
  void givesNoKeyWhenDisabled() {
    StickyCookieKey off = StickyCookieKey.from(
        new GatewayProperties.StickyCookie(false, "strangler-sticky", Duration.ofDays(30), false), "p");
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/notes/new"));
    assertThat(off.keyOf(exchange)).isNull();
    assertThat(exchange.getResponse().getCookies()).isEmpty();
  }
}
