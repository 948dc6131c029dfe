package dev.strangler.signup;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The signup-service: members (signup) extracted from the legacy monolith. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SignupServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(SignupServiceApplication.class, args);
  }
}
