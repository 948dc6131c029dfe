package dev.strangler.sync;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A Kafka Connect cluster of distributed workers ({@code org.apache.kafka.connect.cli.ConnectDistributed}
 * from {@code connect-runtime}, with the Debezium PostgreSQL connector found on the classpath), each
 * worker a process of its own on the test kit's broker, so that one can be killed with {@code kill -9}.
 */
final class ConnectWorkers implements AutoCloseable {

  private final List<Process> workers = new ArrayList<>();
  private final List<String> urls = new ArrayList<>();
  private final String bootstrapServers;
  private final String group = "connect-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path dir;
  private final Map<String, String> environment;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param bootstrapServers the broker
   * @param dir where worker configuration and logs go
   * @param environment variables every worker gets (the connector's password placeholder reads one)
   */
  ConnectWorkers(String bootstrapServers, Path dir, Map<String, String> environment) {
    this.bootstrapServers = bootstrapServers;
    this.dir = dir;
    this.environment = environment;
  }

  /** Starts one more worker of the cluster and returns its index. */
  int start() throws IOException {
    int index = workers.size();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path properties = dir.resolve("worker-" + index + ".properties");
    Files.writeString(properties, String.join("\n",
        "bootstrap.servers=" + bootstrapServers,
        "group.id=" + group,
        "key.converter=org.apache.kafka.connect.json.JsonConverter",
        "value.converter=org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable=false",
        "value.converter.schemas.enable=false",
        "config.storage.topic=" + group + "-configs",
        "offset.storage.topic=" + group + "-offsets",
        "status.storage.topic=" + group + "-status",
        "config.storage.replication.factor=1",
        "offset.storage.replication.factor=1",
        "status.storage.replication.factor=1",
        "offset.storage.partitions=1",
        "status.storage.partitions=1",
        "offset.flush.interval.ms=200",
        // a worker gone for good: its tasks go to the others at the next rebalance, not 5 minutes later
        "scheduled.rebalance.max.delay.ms=0",
        "session.timeout.ms=6000",
        "heartbeat.interval.ms=1000",
        "listeners=http://127.0.0.1:" + port,
        "rest.advertised.host.name=127.0.0.1",
        "rest.advertised.port=" + port,
        "plugin.discovery=service_load",
        "config.providers=env",
        "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        ""));
    Path logback = dir.resolve("worker-logback.xml");
    Files.writeString(logback, """
        <configuration>
          <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="org.apache.kafka.connect.runtime" level="INFO"/>
          <logger name="io.debezium.connector.postgresql.PostgresConnectorTask" level="INFO"/>
          <root level="WARN"><appender-ref ref="out"/></root>
        </configuration>
        """);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx320m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + logback,
        "-cp", System.getProperty("java.class.path"), "org.apache.kafka.connect.cli.ConnectDistributed",
        properties.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("worker-" + index + ".log").toFile());
    builder.environment().putAll(environment);
    workers.add(builder.start());
    urls.add("http://127.0.0.1:" + port);
    return index;
  }

  /** The REST base URL of a worker. */
  String url(int worker) {
    return urls.get(worker);
  }

  Process process(int worker) {
    return workers.get(worker);
  }

  /** Waits until the worker's REST API answers (it has joined the cluster). */
  void awaitRest(int worker, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!workers.get(worker).isAlive()) {
        throw new IllegalStateException("Connect worker " + worker + " exited; see " + dir.resolve("worker-" + worker + ".log"));
      }
      try {
        if (get(worker, "/connectors").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("Connect worker " + worker + " did not answer in " + timeout);
  }

  HttpResponse<String> get(int worker, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url(worker) + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(int worker, String path, String json) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url(worker) + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Kills the worker's process at once ({@code kill -9}): no rebalance goodbye, no offset commit. */
  void kill(int worker) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-9", Long.toString(workers.get(worker).pid())).inheritIO().start().waitFor();
    workers.get(worker).waitFor();
  }

  @Override
  public void close() {
    for (Process worker : workers) {
      worker.destroyForcibly();
    }
    for (Process worker : workers) {
      try {
        worker.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
