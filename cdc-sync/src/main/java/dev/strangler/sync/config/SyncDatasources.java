package dev.strangler.sync.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Connection pools for the datasources named in {@code strangler.sync.datasources}; not Spring
 * {@code DataSource} beans, so Boot's own {@code spring.datasource} (the control database) stays
 * the only one. Thread-safe.
 */
@Component
public class SyncDatasources implements DisposableBean {

  private final Map<String, SyncProperties.Datasource> configs;
  private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();

  /** @param properties the validated configuration */
  public SyncDatasources(SyncProperties properties) {
    this.configs = properties.datasources();
  }

  /** The configuration of a datasource, or an exception naming the unknown name. */
  public SyncProperties.Datasource config(String name) {
    SyncProperties.Datasource config = configs.get(name);
    if (config == null) {
      throw new IllegalArgumentException("no datasource '" + name + "' in strangler.sync.datasources (known: "
          + configs.keySet() + ")");
    }
    return config;
  }

  /** A small pool for the named datasource, created on first use. */
  public synchronized DataSource dataSource(String name) {
    return pools.computeIfAbsent(name, n -> {
      SyncProperties.Datasource config = config(n);
      HikariConfig hikari = new HikariConfig();
      hikari.setPoolName("sync-" + n);
      hikari.setJdbcUrl(config.url());
      hikari.setUsername(config.username());
      hikari.setPassword(config.password());
      hikari.setMaximumPoolSize(6);
      hikari.setMinimumIdle(0);
      hikari.setConnectionInitSql("SET TIME ZONE 'UTC'");
      // batched upserts become multi-row INSERTs: several times the apply throughput
      hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
      return new HikariDataSource(hikari);
    });
  }

  @Override
  public synchronized void destroy() {
    pools.values().forEach(HikariDataSource::close);
    pools.clear();
  }
}
