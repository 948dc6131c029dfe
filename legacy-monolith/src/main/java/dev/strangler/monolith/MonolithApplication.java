package dev.strangler.monolith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The reference legacy monolith: a delivery app (members, menus, coupons, orders, payments) in
 * one deployable and one database, the starting point of the strangler-fig migration.
 */
@SpringBootApplication
public class MonolithApplication {

  public static void main(String[] args) {
    SpringApplication.run(MonolithApplication.class, args);
  }
}
