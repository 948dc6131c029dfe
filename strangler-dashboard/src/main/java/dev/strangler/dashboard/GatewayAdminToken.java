package dev.strangler.dashboard;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The gateway's admin token as a property: used only when no gateway {@code AdminToken} bean is
 * around to ask (the dashboard embedded in some other app).
 *
 * @param token the bearer token, as {@code strangler.gateway.admin.token}
 */
@ConfigurationProperties("strangler.gateway.admin")
record GatewayAdminToken(String token) {}
