package dev.strangler.embedded;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in KRaft mode (broker and controller in one node) run in this JVM.
 * Its log directory may be kept across restarts, so events not yet consumed survive one, also a
 * {@code kill -9}: every record is flushed before it is acknowledged, a kept directory restarts
 * with the cluster id it was formatted with, on new ports if need be.
 */
public final class KafkaServer implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

  private final KafkaRaftServer server;
  private final int port;
  private final Path temporaryDirectory;

  private KafkaServer(KafkaRaftServer server, int port, Path temporaryDirectory) {
    this.server = server;
    this.port = port;
    this.temporaryDirectory = temporaryDirectory;
  }

  /**
   * Starts a broker on a kept log directory (restarts on what it holds) or a throw-away one.
   *
   * @param logDirectory where topics live; {@code null} for a throw-away directory, deleted on close
   * @param port the client port, 0 for any free one; the controller takes {@code port + 1}
   */
  public static KafkaServer start(Path logDirectory, int port) {
    return start(logDirectory, port, false);
  }

  /**
   * Starts a broker.
   *
   * @param logDirectory where topics live; {@code null} for a throw-away directory, deleted on close
   * @param port the client port, 0 for any free one; the controller takes {@code port + 1}
   * @param clean whether to wipe a kept log directory first
   */
  public static KafkaServer start(Path logDirectory, int port, boolean clean) {
    Path dir = null;
    try {
      dir = logDirectory != null ? logDirectory.toAbsolutePath().normalize()
          : Files.createTempDirectory("strangler-kafka");
      if (clean && logDirectory != null) {
        deleteRecursively(dir);
        log.info("Embedded Kafka log directory {} wiped (clean)", dir);
      }
      boolean kept = logDirectory != null && Files.isRegularFile(dir.resolve("meta.properties"));
      Files.createDirectories(dir);
      int clientPort = port > 0 ? port : freePort();
      // a fixed client port gives a fixed controller port, so a kept log directory restarts
      int controllerPort = port > 0 ? port + 1 : freePort();
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", "1");
      props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      props.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
      props.put("controller.listener.names", "CONTROLLER");
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("log.dirs", dir.toString());
      props.put("num.partitions", "4");
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "4");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("auto.create.topics.enable", "true");
      props.put("log.flush.interval.messages", "1");
      // after a kill -9 the restarted broker registers again: do not wait long on its predecessor
      props.put("broker.session.timeout.ms", "4000");
      props.put("broker.heartbeat.interval.ms", "1000");
      KafkaConfig config = new KafkaConfig(props, false);
      new Formatter()
          .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
          .setClusterId(clusterId(dir))
          .setNodeId(1)
          .addDirectory(dir.toString())
          .setMetadataLogDirectory(dir.toString())
          .setControllerListenerName("CONTROLLER")
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setIgnoreFormatted(true)
          .run();
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      log.info("Embedded Kafka broker (KRaft) started at 127.0.0.1:{} (log: {})", clientPort,
          logDirectory == null ? "temporary" : dir + (kept ? ", kept from before" : ", new"));
      return new KafkaServer(server, clientPort, logDirectory == null ? dir : null);
    } catch (IOException e) {
      throw new UncheckedIOException("Embedded Kafka did not start on " + dir, e);
    } catch (Exception e) {
      throw new IllegalStateException("Embedded Kafka did not start on " + dir + ": " + e.getMessage(), e);
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    if (temporaryDirectory != null) {
      try {
        deleteRecursively(temporaryDirectory);
      } catch (IOException e) {
        log.warn("Could not delete the temporary Kafka log {}: {}", temporaryDirectory, e.getMessage());
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  /** A kept log directory restarts only with the cluster id it was formatted with. */
  static String clusterId(Path dir) throws IOException {
    Path meta = dir.resolve("meta.properties");
    if (Files.isRegularFile(meta)) {
      Properties formatted = new Properties();
      try (var reader = Files.newBufferedReader(meta)) {
        formatted.load(reader);
      }
      String id = formatted.getProperty("cluster.id");
      if (id != null && !id.isBlank()) {
        return id;
      }
    }
    return Uuid.randomUuid().toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
