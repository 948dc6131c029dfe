package dev.strangler.sync.capture;

import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A source captured by the Debezium PostgreSQL connector on a Kafka Connect cluster
 * ({@code strangler.sync.datasources.<name>.capture: connect}) instead of the embedded engine:
 * cdc-sync only applies. {@link #connectorConfig} writes the connector's configuration from the
 * same settings the embedded engine uses (slot, publication, table list, heartbeats, logical
 * decoding messages, value formats), with topic routing so that the records land in exactly the
 * topics the appliers read ({@code <pipeline>.<schema>.<table>}), keyed the same way.
 * {@link #committedLsn} reads how far the connector's committed offsets are: Connect commits a
 * source offset only once every record before it was acknowledged by Kafka, which is what a
 * catch-up fence needs. Thread-safe.
 */
public final class ConnectCapture {

  private final CaptureEngine engine;
  private final SyncProperties.Datasource source;
  private final String connectorName;
  private final JsonMapper json;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private volatile long committedLsn = -1;

  /**
   * @param engine the source's engine: its settings and Debezium properties (it is never started)
   * @param source the source datasource's configuration
   * @param json the JSON mapper
   */
  public ConnectCapture(CaptureEngine engine, SyncProperties.Datasource source, JsonMapper json) {
    this.engine = engine;
    this.source = source;
    this.json = json;
    this.connectorName = source.connect().connectorName() != null ? source.connect().connectorName()
        : engine.settings().slotName();
  }

  public String connectorName() {
    return connectorName;
  }

  /** The datasource captured. */
  public String datasource() {
    return engine.settings().datasource();
  }

  /** The Connect REST URLs this instance reads offsets from, in order (empty: none configured). */
  public List<String> urls() {
    return source.connect().urls();
  }

  /** The environment variable the default password placeholder reads, {@code STRANGLER_SYNC_<DATASOURCE>_PASSWORD}. */
  public static String passwordVariable(String datasource) {
    return "STRANGLER_SYNC_" + datasource.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_PASSWORD";
  }

  /**
   * The connector configuration to {@code PUT /connectors/<name>/config}: the embedded engine's
   * Debezium settings without its offset store (Connect keeps the offsets), the password as a
   * config-provider placeholder, JSON converters without schemas, one {@code RegexRouter} per
   * pipeline renaming Debezium's {@code <slot>.<schema>.<table>} to the pipeline's topic, a
   * {@code Filter} dropping the heartbeat and signal tables' records, and topic creation with each
   * pipeline's partitions.
   *
   * @param partitions partitions of each pipeline's table topics, by pipeline name
   * @return the configuration, in a stable order
   */
  public Map<String, String> connectorConfig(Map<String, Integer> partitions) {
    List<Pipeline> pipelines = engine.pipelines();
    Set<String> snapshotTables = new TreeSet<>();
    boolean slotExists = engine.slotExists();
    if (!slotExists) {
      // a new slot: the connector's first start snapshots the tables of the snapshot: initial pipelines
      pipelines.stream().filter(p -> p.config().snapshot() != SyncProperties.Snapshot.NEVER)
          .forEach(p -> p.mappings().forEach(m -> snapshotTables.add(m.source().toString())));
    }
    Properties debezium = engine.debeziumProperties(snapshotTables);
    Map<String, String> config = new TreeMap<>();
    debezium.stringPropertyNames().forEach(key -> {
      if (!key.startsWith("offset.")) {
        config.put(key, debezium.getProperty(key));
      }
    });
    String slot = engine.settings().slotName();
    config.put("name", connectorName);
    config.put("tasks.max", "1");
    config.put("database.password", source.connect().password() != null ? source.connect().password()
        : "${env:" + passwordVariable(datasource()) + "}");
    // the slot may exist (taken over from the embedded engine) or not; Debezium creates a missing one
    config.put("publication.autocreate.mode", "filtered");
    config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("key.converter.schemas.enable", "false");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    List<String> transforms = new ArrayList<>();
    transforms.add("dropInternal");
    config.put("transforms.dropInternal.type", "org.apache.kafka.connect.transforms.Filter");
    config.put("transforms.dropInternal.predicate", "internalTable");
    config.put("predicates", "internalTable");
    config.put("predicates.internalTable.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
    config.put("predicates.internalTable.pattern", quote(slot) + "\\.public\\.(" + CaptureEngine.HEARTBEAT_TABLE + "|"
        + CaptureEngine.SIGNAL_TABLE + ")");
    List<String> groups = new ArrayList<>();
    int index = 0;
    for (Pipeline pipeline : pipelines) {
      String name = "route" + index++;
      transforms.add(name);
      String tables = pipeline.mappings().stream().map(TableMapping::source)
          .map(t -> quote(t.schema()) + "\\." + quote(t.name())).distinct().collect(Collectors.joining("|"));
      config.put("transforms." + name + ".type", "org.apache.kafka.connect.transforms.RegexRouter");
      config.put("transforms." + name + ".regex", quote(slot) + "\\.((?:" + tables + "))");
      config.put("transforms." + name + ".replacement", pipeline.name().replace("$", "\\$") + ".$1");
      String group = "pipeline" + (index - 1);
      groups.add(group);
      config.put("topic.creation." + group + ".include", quote(pipeline.name()) + "\\..*");
      config.put("topic.creation." + group + ".partitions", Integer.toString(partitions.getOrDefault(pipeline.name(), 1)));
      config.put("topic.creation." + group + ".replication.factor", "-1");
    }
    config.put("transforms", String.join(",", transforms));
    config.put("topic.creation.groups", String.join(",", groups));
    config.put("topic.creation.default.partitions", "1");
    config.put("topic.creation.default.replication.factor", "-1");
    return config;
  }

  /** A regular expression matching the text literally (names are letters, digits, {@code _ - .}). */
  private static String quote(String text) {
    return text.replaceAll("([\\\\.\\[\\]{}()*+?^$|-])", "\\\\$1");
  }

  /**
   * The WAL position ({@code lsn}) of the connector's committed offsets, read from the cluster
   * ({@code GET /connectors/<name>/offsets}): every record the connector produced up to it is in
   * Kafka. Remembered for {@link #lastCommittedLsn}.
   *
   * @param timeout how long the cluster may take
   * @return the position, or -1 when the cluster has none yet or did not answer
   */
  public long committedLsn(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (String url : urls()) { // the first worker that answers
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      Long lsn = committedLsn(url, Duration.ofNanos(left));
      if (lsn != null) {
        if (lsn > committedLsn) {
          committedLsn = lsn;
        }
        return lsn;
      }
    }
    return -1;
  }

  /** The committed position one worker answers (-1: no offsets yet), or null when it did not answer. */
  private Long committedLsn(String url, Duration timeout) throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "")
              + "/connectors/" + URLEncoder.encode(connectorName, StandardCharsets.UTF_8) + "/offsets"))
          .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return null;
      }
      long lsn = -1;
      for (JsonNode offset : json.readTree(response.body()).path("offsets")) {
        JsonNode position = offset.path("offset").path("lsn");
        if (position.isNumber()) {
          lsn = Math.max(lsn, position.asLong());
        }
      }
      return lsn;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The last position {@link #committedLsn} read; -1 before any. */
  public long lastCommittedLsn() {
    return committedLsn;
  }

  /** Sets up the source as the embedded engine does before it starts (replica identity, tables, publication). */
  public void prepareSource() {
    engine.prepareSource();
  }
}
