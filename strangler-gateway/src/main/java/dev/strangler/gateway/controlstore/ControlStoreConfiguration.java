package dev.strangler.gateway.controlstore;

import dev.strangler.dashboard.ActionAudit;
import dev.strangler.gateway.routing.RouteTable;
import java.lang.management.ManagementFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** The control store on the app's datasource (embedded PostgreSQL unless one is configured). */
@Configuration(proxyBeanMethods = false)
public class ControlStoreConfiguration {

  @Bean
  ControlStore controlStore(JdbcTemplate jdbc, TransactionTemplate transactions) {
    // pid@host: tells replicas apart in the audit trail
    return new ControlStore(jdbc, transactions, ManagementFactory.getRuntimeMXBean().getName());
  }

  /** The dashboard's verify runs go to the same audit trail as the switches. */
  @Bean
  ActionAudit verifyAuditTrail(ControlStore store, RouteTable table) {
    return new VerifyAuditTrail(store, table);
  }
}
