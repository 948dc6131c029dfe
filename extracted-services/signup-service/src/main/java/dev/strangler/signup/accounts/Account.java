package dev.strangler.signup.accounts;

import java.time.Instant;
import java.util.Locale;

/**
 * A member's account as the signup-service stores it (table {@code accounts}).
 *
 * @param id the member id, the same on the monolith and here
 * @param email the e-mail, normalised by {@link #normalizeEmail}
 * @param passwordHash the BCrypt hash of the password
 * @param displayName the name the member gave
 * @param phone the phone number as given
 * @param createdAt when the member signed up, millisecond precision
 */
record Account(long id, String email, String passwordHash, String displayName, String phone,
               Instant createdAt) {

  /** Trimmed and lower-cased: uniqueness of e-mails is case-insensitive. */
  static String normalizeEmail(String email) {
    return email.strip().toLowerCase(Locale.ROOT);
  }
}
