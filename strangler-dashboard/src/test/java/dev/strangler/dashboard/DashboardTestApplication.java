package dev.strangler.dashboard;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** A bare WebFlux + actuator app: the dashboard arrives through its management-context import. */
@SpringBootConfiguration
@EnableAutoConfiguration
class DashboardTestApplication {}
