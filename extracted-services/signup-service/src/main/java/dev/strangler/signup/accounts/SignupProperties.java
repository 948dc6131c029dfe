package dev.strangler.signup.accounts;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the signup-service.
 *
 * @param password how passwords are hashed
 */
@Validated
@ConfigurationProperties("signup")
public record SignupProperties(@Valid @NotNull @DefaultValue Password password) {

  /**
   * @param bcryptStrength BCrypt log rounds, 4–31; each step doubles the cost of a signup
   */
  public record Password(@DefaultValue("10") @Min(4) @Max(31) int bcryptStrength) {}
}
