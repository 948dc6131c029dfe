package dev.strangler.embedded;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * The embedded default for Kafka: with no {@code spring.kafka.bootstrap-servers}, start a real
 * KRaft broker in this JVM and hand its address to Spring Boot as
 * {@link KafkaConnectionDetails}. Its log is kept in {@code ~/.strangler/<spring.application.name>/kafka}
 * (beside the embedded PostgreSQL's data) unless {@code strangler.embedded.kafka.temporary=true}.
 * Only for apps that have Kafka's server on their classpath.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass(name = {"kafka.server.KafkaRaftServer",
    "org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails"})
@ConditionalOnProperty(name = "strangler.embedded.kafka.enabled", matchIfMissing = true)
@Conditional(NoKafkaBootstrapServersCondition.class)
@EnableConfigurationProperties(EmbeddedKafkaProperties.class)
public class EmbeddedKafkaAutoConfiguration {

  @Bean(destroyMethod = "close")
  KafkaServer embeddedKafkaServer(EmbeddedKafkaProperties properties, Environment environment) {
    Path logDirectory = properties.temporary() ? null
        : properties.dataDirectory() != null ? properties.dataDirectory() : AppHome.directory(environment, "kafka");
    return KafkaServer.start(logDirectory, properties.port());
  }

  @Bean
  KafkaConnectionDetails embeddedKafkaConnectionDetails(KafkaServer server) {
    return () -> List.of(server.bootstrapServers());
  }
}
