package dev.strangler.embedded;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The PostgreSQL an app starts for itself when no {@code spring.datasource.url} is given.
 *
 * @param enabled whether to start one at all when no datasource URL is configured
 * @param dataDirectory where the cluster lives; defaults to
 *     {@code ~/.strangler/<spring.application.name>/postgres}, kept across restarts; a postmaster
 *     left running there by a killed app is stopped at start-up, one of a live app is refused
 * @param port the port, 0 for any free one
 * @param clean wipe the data directory at start-up (after stopping a left-over postmaster)
 * @param database the database the app uses (created if missing)
 */
@ConfigurationProperties("strangler.embedded.postgres")
public record EmbeddedPostgresProperties(
    @DefaultValue("true") boolean enabled,
    Path dataDirectory,
    @DefaultValue("0") @Min(0) @Max(65535) int port,
    @DefaultValue("false") boolean clean,
    @DefaultValue("app") String database) {}
