package dev.strangler.embedded;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The child JVM of {@link KilledServerRestartTests}: starts a server on a directory, writes one
 * acknowledged row or record, prints {@code ACKED}, then waits to be killed.
 *
 * <p>Arguments: {@code postgres|kafka <dir> <value>}.
 */
public final class KilledServerChild {

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    String value = args[2];
    if (args[0].equals("postgres")) {
      PostgresServer server = PostgresServer.start(dir, 0, false);
      server.createDatabase("app");
      try (var connection = DriverManager.getConnection(server.jdbcUrl("app"), PostgresServer.USER,
          PostgresServer.PASSWORD);
           var statement = connection.createStatement()) {
        statement.execute("CREATE TABLE IF NOT EXISTS kept (value text)");
        statement.execute("INSERT INTO kept VALUES ('" + value + "')"); // auto-commit: acknowledged
      }
      System.out.println("POSTMASTER " + server.postmasterPid().getAsLong());
    } else {
      KafkaServer server = KafkaServer.start(dir, 0);
      try (var producer = new KafkaProducer<String, String>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("kept", "k", value)).get();
      }
    }
    System.out.println("ACKED");
    System.out.flush();
    new CountDownLatch(1).await(); // until killed
  }
}
