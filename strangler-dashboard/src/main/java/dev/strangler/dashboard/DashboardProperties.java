package dev.strangler.dashboard;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The migration dashboard.
 *
 * @param sync where cdc-sync's admin API is; unset, the page says "cdc-sync not configured"
 * @param routePipelines cdc-sync pipelines shown under each gateway route, by route name
 *     (e.g. {@code route-pipelines.members=members-to-accounts}); pipelines named under no route
 *     are listed on their own
 */
@Validated
@ConfigurationProperties("strangler.dashboard")
public record DashboardProperties(@DefaultValue Sync sync, Map<String, List<String>> routePipelines) {

  public DashboardProperties {
    routePipelines = routePipelines == null ? Map.of() : Map.copyOf(routePipelines);
  }

  /**
   * cdc-sync's admin API, proxied by the dashboard so the page needs only the gateway's token.
   *
   * @param adminUrl cdc-sync's management base URL, e.g. {@code http://127.0.0.1:9090}
   * @param token cdc-sync's admin bearer token ({@code strangler.sync.admin.token} there)
   * @param timeout how long a proxied call may take (a verify reads both databases)
   */
  public record Sync(URI adminUrl, String token, @DefaultValue("30s") Duration timeout) {

    public Sync {
      if (adminUrl != null && (token == null || token.isBlank())) {
        throw new IllegalArgumentException("strangler.dashboard.sync.token must be set when "
            + "strangler.dashboard.sync.admin-url is set (cdc-sync refuses every admin call without it)");
      }
      if (adminUrl != null && (adminUrl.getScheme() == null || adminUrl.getHost() == null)) {
        throw new IllegalArgumentException("strangler.dashboard.sync.admin-url must be an absolute http(s) URL, was "
            + adminUrl);
      }
    }

    /** Whether the proxy has somewhere to go. */
    boolean configured() {
      return adminUrl != null;
    }
  }
}
