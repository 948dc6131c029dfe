package dev.strangler.dashboard;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cumulative counters per route and target (legacy / extracted) read from the gateway's
 * gateway's per-request timers ({@link DashboardHost#requestsMeter}): requests, errors (5xx and failed calls) and the
 * latency histogram. The page polls them and computes rates, error rates and p99 from the
 * differences, so each chart shows exactly the seconds it covers.
 */
final class TrafficMeters {

  private final MeterRegistry registry;
  private final String meter;
  private final JsonMapper mapper;

  /**
   * @param registry the gateway's meters (null when the app has none: every route reads empty)
   * @param meter the timers' name, or null without a gateway (every route reads empty)
   * @param mapper writes the answer
   */
  TrafficMeters(MeterRegistry registry, String meter, JsonMapper mapper) {
    this.registry = registry;
    this.meter = meter;
    this.mapper = mapper;
  }

  Mono<ServerResponse> snapshot(ServerRequest request) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
        .bodyValue(mapper.writeValueAsString(read(System.currentTimeMillis())));
  }

  Map<String, Object> read(long now) {
    Map<String, Map<String, Totals>> routes = new TreeMap<>();
    double[] bounds = null;
    if (registry != null && meter != null) {
      for (Timer timer : registry.find(meter).timers()) {
        String route = timer.getId().getTag("route");
        String target = timer.getId().getTag("target");
        String outcome = timer.getId().getTag("outcome");
        if (route == null || target == null) {
          continue;
        }
        HistogramSnapshot snapshot = timer.takeSnapshot();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        if (bounds == null && buckets.length > 0) {
          bounds = new double[buckets.length];
          for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
          }
        }
        Totals totals = routes.computeIfAbsent(route, r -> new TreeMap<>())
            .computeIfAbsent(target, t -> new Totals());
        totals.add(snapshot.count(), "server_error".equals(outcome) || "failed".equals(outcome), buckets);
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("at", now);
    body.put("boundsMillis", bounds == null ? List.of() : bounds);
    Map<String, Object> out = new LinkedHashMap<>();
    routes.forEach((route, targets) -> {
      Map<String, Object> t = new LinkedHashMap<>();
      targets.forEach((target, totals) -> t.put(target, totals.view()));
      out.put(route, t);
    });
    body.put("routes", out);
    return body;
  }

  /** Sums over the outcomes of one route and target. */
  private static final class Totals {
    private long count;
    private long errors;
    private double[] buckets;

    void add(long n, boolean error, CountAtBucket[] histogram) {
      count += n;
      if (error) {
        errors += n;
      }
      if (buckets == null) {
        buckets = new double[histogram.length];
      }
      // every timer of the meter is built alike, so the buckets line up; guard anyway
      for (int i = 0; i < Math.min(buckets.length, histogram.length); i++) {
        buckets[i] += histogram[i].count();
      }
    }

    Map<String, Object> view() {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("count", count);
      v.put("errors", errors);
      long[] cumulative = new long[buckets == null ? 0 : buckets.length];
      for (int i = 0; i < cumulative.length; i++) {
        cumulative[i] = Math.round(buckets[i]);
      }
      v.put("buckets", cumulative);
      return v;
    }
  }
}
