package dev.strangler.monolith.delivery;

import dev.strangler.monolith.Timestamps;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The {@code delivery_requests} table: a paid order asks for delivery. */
@Component
public class DeliveryRequests {

  private final JdbcClient jdbc;

  DeliveryRequests(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records that a paid order awaits delivery; call inside the order's transaction.
   *
   * @param orderId the paid order
   * @param at when
   */
  public void request(long orderId, Instant at) {
    jdbc.sql("""
            INSERT INTO delivery_requests (order_id, status, created_at)
            VALUES (:orderId, 'REQUESTED', :at)""")
        .param("orderId", orderId)
        .param("at", Timestamps.toDatabase(at))
        .update();
  }
}
