package dev.strangler.embedded;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Kafka broker an app starts in-process when no {@code spring.kafka.bootstrap-servers} is
 * given.
 *
 * @param enabled whether to start one at all when no bootstrap servers are configured
 * @param dataDirectory where topics live, kept across restarts (also a {@code kill -9}); defaults to
 *     {@code ~/.strangler/<spring.application.name>/kafka}
 * @param temporary keep topics in a throw-away directory instead, deleted when the broker stops
 *     (events not yet consumed are then lost with the process); wins over {@code data-directory}
 * @param port the client port, 0 for any free one; the controller takes {@code port + 1}
 */
@ConfigurationProperties("strangler.embedded.kafka")
public record EmbeddedKafkaProperties(
    @DefaultValue("true") boolean enabled,
    Path dataDirectory,
    @DefaultValue("false") boolean temporary,
    @DefaultValue("0") @Min(0) @Max(65534) int port) {}
