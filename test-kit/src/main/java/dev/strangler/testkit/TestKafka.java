package dev.strangler.testkit;

import dev.strangler.embedded.KafkaServer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.kafka.KafkaContainer;

/** The shared Kafka broker of a test JVM, whichever kind runs it. */
public abstract sealed class TestKafka implements AutoCloseable {

  public abstract String bootstrapServers();

  /** Points a Spring Boot app's {@code spring.kafka.bootstrap-servers} at this broker. */
  public TestKafka registerBootstrapServers(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", this::bootstrapServers);
    return this;
  }

  @Override
  public abstract void close();

  static TestKafka embedded() {
    return new Embedded(KafkaServer.start(null, 0));
  }

  static TestKafka container() {
    KafkaContainer container = new KafkaContainer("apache/kafka:4.1.1");
    container.start();
    return new Container(container);
  }

  static final class Embedded extends TestKafka {
    private final KafkaServer server;

    Embedded(KafkaServer server) {
      this.server = server;
    }

    @Override public String bootstrapServers() { return server.bootstrapServers(); }
    @Override public void close() { server.close(); }
  }

  static final class Container extends TestKafka {
    private final KafkaContainer container;

    Container(KafkaContainer container) {
      this.container = container;
    }

    @Override public String bootstrapServers() { return container.getBootstrapServers(); }
    @Override public void close() { container.stop(); }
  }
}
