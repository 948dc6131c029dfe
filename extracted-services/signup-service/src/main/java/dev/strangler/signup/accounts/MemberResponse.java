package dev.strangler.signup.accounts;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A member as the API answers it: the monolith's shape, whatever the columns are called here.
 *
 * @param id the member id
 * @param email the normalised e-mail
 * @param name the display name
 * @param phone the phone number
 * @param createdAt ISO-8601 UTC with milliseconds, e.g. {@code 2026-11-26T10:15:30.123Z}
 */
record MemberResponse(long id, String email, String name, String phone, String createdAt) {

  // Always three fraction digits; Instant.toString() drops them when they are zero.
  private static final DateTimeFormatter UTC_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  static MemberResponse of(Account account) {
    return new MemberResponse(account.id(), account.email(), account.displayName(),
        account.phone(), UTC_MILLIS.format(account.createdAt()));
  }
}
