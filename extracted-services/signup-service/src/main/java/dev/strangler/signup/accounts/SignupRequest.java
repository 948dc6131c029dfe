package dev.strangler.signup.accounts;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/members} body. The e-mail is trimmed before validation, so surrounding
 * spaces are accepted and the rules apply to what is stored.
 *
 * @param email required, well-formed, at most 254 chars
 * @param password required, 8–72 chars (BCrypt reads at most 72 bytes)
 * @param name required, at most 100 chars
 * @param phone required, 6–20 of digits, spaces, {@code +}, {@code -}
 */
record SignupRequest(
    @NotBlank @Email @Size(max = 254) String email,
    @NotNull @Size(min = 8, max = 72) String password,
    @NotBlank @Size(max = 100) String name,
    @NotNull @Pattern(regexp = "[0-9 +\\-]{6,20}", message = "must be 6-20 digits, spaces, '+' or '-'") String phone) {

  SignupRequest {
    email = email == null ? null : email.strip();
  }

  @Override
  public String toString() {
    return "SignupRequest[name=" + name + "]"; // never the password, nor the e-mail, in logs
  }
}
