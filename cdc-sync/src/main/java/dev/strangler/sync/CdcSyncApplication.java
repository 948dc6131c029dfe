package dev.strangler.sync;

import dev.strangler.sync.config.SyncProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;

/**
 * cdc-sync: Debezium embedded capture into Kafka, appliers that write to the target databases,
 * a verifier and an admin API on the management port.
 *
 * <p>The {@code admin} package is left out of component scanning on purpose: it is contributed
 * to the management child context only (see {@code AdminManagementContextConfiguration}), so
 * {@code /admin} is never served on the main port.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableConfigurationProperties(SyncProperties.class)
@ComponentScan(excludeFilters = {
    @ComponentScan.Filter(type = FilterType.CUSTOM, classes = TypeExcludeFilter.class),
    @ComponentScan.Filter(type = FilterType.CUSTOM, classes = AutoConfigurationExcludeFilter.class),
    @ComponentScan.Filter(type = FilterType.REGEX, pattern = "dev\\.strangler\\.sync\\.admin\\..*")})
public class CdcSyncApplication {

  public static void main(String[] args) {
    SpringApplication.run(CdcSyncApplication.class, args);
  }
}
