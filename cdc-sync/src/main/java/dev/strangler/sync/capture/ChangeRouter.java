package dev.strangler.sync.capture;

import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TableRef;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns an engine's records into Kafka messages: each change goes to the topic of every pipeline
 * that maps its table ({@code <pipeline>.<schema>.<table>}), keyed by the primary key, in
 * Debezium's standard envelope (JSON without schemas). Echoes are dropped per pipeline: a
 * transaction cdc-sync applied carries an {@link EchoMarker} naming the datasource the change came
 * from, and its changes are dropped for the pipelines whose target is that datasource only.
 * Snapshot rows go only to the pipelines whose snapshot waits for their table. Markers, fences,
 * heartbeats and signals are not forwarded. Runs on the engine's thread; {@link #detach} replaces
 * the routes whole.
 */
final class ChangeRouter {

  private final JsonConverter keyConverter = new JsonConverter();
  private final JsonConverter valueConverter = new JsonConverter();
  private final Snapshots snapshots;
  private final CapturedFences fences;
  /** source table → the pipelines mapping it */
  private volatile Map<TableRef, List<Route>> routes;
  private Long echoTransaction;
  private String echoOrigin;

  ChangeRouter(List<Pipeline> pipelines, Snapshots snapshots, CapturedFences fences) {
    this.snapshots = snapshots;
    this.fences = fences;
    this.routes = routesOf(pipelines);
    keyConverter.configure(Map.of("schemas.enable", "false"), true);
    valueConverter.configure(Map.of("schemas.enable", "false"), false);
  }

  /** @param pipelines the pipelines still routed to (one was retired) */
  void detach(List<Pipeline> pipelines) {
    routes = routesOf(pipelines);
  }

  private static Map<TableRef, List<Route>> routesOf(List<Pipeline> pipelines) {
    Map<TableRef, List<Route>> routes = new LinkedHashMap<>();
    for (Pipeline pipeline : pipelines) {
      for (TableMapping mapping : pipeline.mappings()) {
        routes.computeIfAbsent(mapping.source(), t -> new ArrayList<>()).add(new Route(pipeline, mapping));
      }
    }
    routes.replaceAll((table, list) -> List.copyOf(list));
    return Map.copyOf(routes);
  }

  /**
   * Adds the Kafka messages for one record: one per pipeline that maps its table and takes it (not
   * an echo from the pipeline's own target, not a snapshot row of a table its snapshot does not
   * wait for).
   *
   * @param pipelines the engine's pipelines: once it streams, those not in a snapshot show STREAMING
   */
  void route(SourceRecord record, List<Outgoing> outgoing, List<Pipeline> pipelines) {
    if (!(record.value() instanceof Struct value) || value.schema().field("op") == null) {
      return;
    }
    Struct sourceInfo = value.schema().field("source") == null ? null : value.getStruct("source");
    Long txId = sourceInfo == null || sourceInfo.schema().field("txId") == null ? null : sourceInfo.getInt64("txId");
    String op = value.getString("op");
    if ("m".equals(op)) {
      Struct message = value.getStruct("message");
      if (message != null && Fence.PREFIX.equals(message.getString("prefix"))) {
        fences.seen(new String(message.getBytes("content"), StandardCharsets.UTF_8));
      } else if (message != null && EchoMarker.PREFIX.equals(message.getString("prefix"))) {
        echoTransaction = txId;
        echoOrigin = new String(message.getBytes("content"), StandardCharsets.UTF_8);
      }
      return;
    }
    Object snapshot = sourceInfo.schema().field("snapshot") == null ? null : sourceInfo.get("snapshot");
    String flag = snapshot == null ? "false" : snapshot.toString();
    boolean streamed = "false".equals(flag);
    boolean incrementalRow = "incremental".equals(flag);
    TableRef table = new TableRef(sourceInfo.getString("schema"), sourceInfo.getString("table"));
    if (CaptureEngine.SIGNAL_TABLE.equals(table.name()) && value.schema().field("after") != null
        && value.getStruct("after") != null) {
      snapshots.signalRead(value.getStruct("after").getString("id"));
    }
    List<Route> readers = routes.get(table);
    boolean echo = txId != null && txId.equals(echoTransaction);
    String key = null;
    String json = null;
    for (Route route : readers == null ? List.<Route>of() : readers) {
      Pipeline pipeline = route.pipeline();
      if (echo && echoOrigin.equals(pipeline.config().target())) {
        pipeline.stats().echoDropped();
        continue;
      }
      if (!streamed && !snapshots.pendingFor(pipeline, table)) {
        continue; // a snapshot row of a table this pipeline's snapshot already has (or never takes)
      }
      if (!streamed) {
        snapshots.rowSent(pipeline, incrementalRow);
      }
      if (key == null) {
        String topic = route.mapping().topic();
        key = new String(keyConverter.fromConnectData(topic, record.keySchema(), record.key()), StandardCharsets.UTF_8);
        json = new String(valueConverter.fromConnectData(topic, record.valueSchema(), value), StandardCharsets.UTF_8);
      }
      outgoing.add(new Outgoing(route.mapping().topic(), key, json, pipeline));
    }
    if (streamed || "last".equals(flag)) {
      // the engine streams: so do its pipelines (but those still in a snapshot)
      for (Pipeline pipeline : pipelines) {
        if (!snapshots.snapshotting(pipeline)) {
          pipeline.advance(PipelineState.STREAMING);
        }
      }
    }
  }

  /** The WAL position of a record (a change, message or heartbeat); -1 when it has none. */
  static long lsnOf(SourceRecord record) {
    Object lsn = record.sourceOffset() == null ? null : record.sourceOffset().get("lsn");
    return lsn instanceof Number number ? number.longValue() : -1;
  }

  /** A pipeline reading a source table through one of its mappings. */
  private record Route(Pipeline pipeline, TableMapping mapping) {}

  /** One Kafka message of a captured change, for one pipeline. */
  record Outgoing(String topic, String key, String value, Pipeline pipeline) {}
}
