package dev.strangler.orders;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The order-service: orders, coupons and the menu read model, extracted from the monolith with
 * a database of its own. Placing an order is a saga (see {@code ordering}); delivery requests
 * leave through a transactional outbox to Kafka (see {@code outbox}).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class OrderServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(OrderServiceApplication.class, args);
  }
}
