package dev.strangler.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * The embedded default: with no {@code spring.datasource.url}, start a real PostgreSQL and
 * hand its address to Spring Boot as {@link JdbcConnectionDetails}, so the datasource,
 * Liquibase and everything else use it. With a URL configured, nothing starts.
 */
@AutoConfiguration(beforeName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration"})
@ConditionalOnClass({EmbeddedPostgres.class, DataSourceAutoConfiguration.class})
@ConditionalOnProperty(name = "strangler.embedded.postgres.enabled", matchIfMissing = true)
@Conditional(NoDataSourceUrlCondition.class)
@EnableConfigurationProperties(EmbeddedPostgresProperties.class)
public class EmbeddedPostgresAutoConfiguration {

  @Bean(destroyMethod = "close")
  PostgresServer embeddedPostgresServer(EmbeddedPostgresProperties properties, Environment environment) {
    Path dataDirectory = properties.dataDirectory() != null
        ? properties.dataDirectory()
        : AppHome.directory(environment, "postgres");
    PostgresServer server = PostgresServer.start(dataDirectory, properties.port(), properties.clean());
    server.createDatabase(properties.database());
    return server;
  }

  @Bean
  JdbcConnectionDetails embeddedPostgresConnectionDetails(PostgresServer server,
      EmbeddedPostgresProperties properties) {
    return new JdbcConnectionDetails() {
      @Override
      public String getUsername() {
        return PostgresServer.USER;
      }

      @Override
      public String getPassword() {
        return PostgresServer.PASSWORD;
      }

      @Override
      public String getJdbcUrl() {
        return server.jdbcUrl(properties.database());
      }
    };
  }
}
