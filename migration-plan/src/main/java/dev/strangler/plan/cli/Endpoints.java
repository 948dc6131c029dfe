package dev.strangler.plan.cli;

import dev.strangler.plan.admin.AdminClient;
import dev.strangler.plan.admin.GatewayAdmin;
import dev.strangler.plan.admin.SyncAdmin;
import dev.strangler.plan.plan.Plan;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where the admin APIs are. Each comes from the option, else the environment variable, else
 * the plan, else the local default.
 */
class Endpoints {

  static final URI DEFAULT_GATEWAY = URI.create("http://127.0.0.1:9000");
  static final URI DEFAULT_SYNC = URI.create("http://127.0.0.1:9090");

  @Option(names = "--gateway-url", description = "gateway admin URL (env STRANGLER_GATEWAY_URL; default ${DEFAULT-VALUE} or the plan's)")
  URI gatewayUrl;

  @Option(names = "--gateway-token", description = "gateway admin token (env STRANGLER_GATEWAY_TOKEN, or the plan's)")
  String gatewayToken;

  @Option(names = "--sync-url", description = "cdc-sync admin URL (env STRANGLER_SYNC_URL; default http://127.0.0.1:9090 or the plan's)")
  URI syncUrl;

  @Option(names = "--sync-token", description = "cdc-sync admin token (env STRANGLER_SYNC_TOKEN, or the plan's)")
  String syncToken;

  @Option(names = "--timeout", description = "how long one admin call may take (default ${DEFAULT-VALUE})", defaultValue = "PT10S")
  Duration timeout;

  GatewayAdmin gateway(Plan plan) {
    Optional<Plan.AdminEndpoint> fromPlan = plan == null ? Optional.empty() : plan.gateway();
    URI url = pick(gatewayUrl, env("STRANGLER_GATEWAY_URL").map(URI::create), fromPlan.map(Plan.AdminEndpoint::url), DEFAULT_GATEWAY);
    String token = pick(gatewayToken, env("STRANGLER_GATEWAY_TOKEN"), fromPlan.map(Plan.AdminEndpoint::token), null);
    return new GatewayAdmin(new AdminClient("gateway", url, token, timeout));
  }

  SyncAdmin sync(Plan plan) {
    Optional<Plan.AdminEndpoint> fromPlan = plan == null ? Optional.empty() : plan.sync();
    URI url = pick(syncUrl, env("STRANGLER_SYNC_URL").map(URI::create), fromPlan.map(Plan.AdminEndpoint::url), DEFAULT_SYNC);
    String token = pick(syncToken, env("STRANGLER_SYNC_TOKEN"), fromPlan.map(Plan.AdminEndpoint::token), null);
    return new SyncAdmin(new AdminClient("cdc-sync", url, token, timeout));
  }

  private static Optional<String> env(String name) {
    return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank());
  }

  private static <T> T pick(T option, Optional<T> environment, Optional<T> plan, T fallback) {
    return option != null ? option : environment.or(() -> plan).orElse(fallback);
  }
}
