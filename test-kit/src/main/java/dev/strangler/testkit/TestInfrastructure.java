package dev.strangler.testkit;

import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * One PostgreSQL (with {@code wal_level=logical}) and one Kafka broker per test JVM, started on
 * first use and stopped when the JVM exits. Each test class asks for fresh databases by name.
 *
 * <p>Which servers: Testcontainers when a Docker engine is reachable, else the embedded ones
 * (PostgreSQL from zonky's binaries, a KRaft broker in this JVM). Force one with the system
 * property {@code strangler.test.infrastructure} or the environment variable
 * {@code STRANGLER_TEST_INFRASTRUCTURE}: {@code embedded}, {@code testcontainers} or
 * {@code auto} (the default). Thread-safe.
 */
public final class TestInfrastructure {

  private static final Logger log = LoggerFactory.getLogger(TestInfrastructure.class);

  public enum Kind { EMBEDDED, TESTCONTAINERS }

  private static Kind kind;
  private static TestPostgres postgres;
  private static TestKafka kafka;

  private TestInfrastructure() {}

  /** The shared PostgreSQL server of this JVM. */
  public static synchronized TestPostgres postgres() {
    if (postgres == null) {
      long start = System.nanoTime();
      postgres = kind() == Kind.TESTCONTAINERS ? TestPostgres.container() : TestPostgres.embedded();
      log.info("Test PostgreSQL ({}) ready in {} ms", kind(), (System.nanoTime() - start) / 1_000_000);
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "test-postgres-stop"));
    }
    return postgres;
  }

  /** The shared Kafka broker of this JVM. */
  public static synchronized TestKafka kafka() {
    if (kafka == null) {
      long start = System.nanoTime();
      kafka = kind() == Kind.TESTCONTAINERS ? TestKafka.container() : TestKafka.embedded();
      log.info("Test Kafka ({}) ready in {} ms", kind(), (System.nanoTime() - start) / 1_000_000);
      Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "test-kafka-stop"));
    }
    return kafka;
  }

  /** A new, empty database on the shared server; the name starts with {@code prefix}. */
  public static TestDatabase freshDatabase(String prefix) {
    return postgres().createDatabase(prefix);
  }

  /** Which servers this JVM uses. */
  public static synchronized Kind kind() {
    if (kind == null) {
      String forced = Optional.ofNullable(System.getProperty("strangler.test.infrastructure"))
          .orElse(System.getenv("STRANGLER_TEST_INFRASTRUCTURE"));
      String choice = forced == null ? "auto" : forced.trim().toLowerCase(Locale.ROOT);
      kind = switch (choice) {
        case "embedded" -> Kind.EMBEDDED;
        case "testcontainers" -> Kind.TESTCONTAINERS;
        case "auto", "" -> dockerReachable() ? Kind.TESTCONTAINERS : Kind.EMBEDDED;
        default -> throw new IllegalArgumentException(
            "strangler.test.infrastructure must be embedded, testcontainers or auto, not '" + forced + "'");
      };
      log.info("Test infrastructure: {}{}", kind, forced == null ? " (auto)" : " (forced)");
    }
    return kind;
  }

  private static boolean dockerReachable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
