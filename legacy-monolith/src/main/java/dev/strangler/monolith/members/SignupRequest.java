package dev.strangler.monolith.members;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/members}. The e-mail is trimmed before validation.
 *
 * @param email the e-mail, unique regardless of case
 * @param password the password, 8–72 characters (BCrypt's limit)
 * @param name the display name
 * @param phone 6–20 digits, spaces, {@code +} or {@code -}
 */
record SignupRequest(
    @NotBlank @Email @Size(max = 254) String email,
    @NotNull @Size(min = 8, max = 72) String password,
    @NotBlank @Size(max = 100) String name,
    @NotNull @Pattern(regexp = "[0-9 +\\-]{6,20}", message = "must be 6-20 digits, spaces, '+' or '-'") String phone) {

  SignupRequest {
    email = email == null ? null : email.trim();
  }

  @Override
  public String toString() {
    return "SignupRequest[email=" + email + ", name=" + name + "]";
  }
}
