package dev.strangler.signup.accounts;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Signs members up and looks them up. */
@Service
class AccountRegistration {

  private static final Logger log = LoggerFactory.getLogger(AccountRegistration.class);

  private final Accounts accounts;
  private final PasswordEncoder passwordEncoder;
  private final Clock clock;

  /**
   * @param accounts the accounts table
   * @param passwordEncoder BCrypt
   * @param clock where sign-up times come from
   */
  AccountRegistration(Accounts accounts, PasswordEncoder passwordEncoder, Clock clock) {
    this.accounts = accounts;
    this.passwordEncoder = passwordEncoder;
    this.clock = clock;
  }

  /**
   * Creates the account. The unique constraint on the normalised e-mail decides between
   * concurrent signups with one address: exactly one wins, the others get
   * {@link DuplicateEmailException}.
   */
  @Transactional
  public Account signUp(SignupRequest request) {
    String email = Account.normalizeEmail(request.email());
    String hash = passwordEncoder.encode(request.password());
    // Milliseconds: the API's precision, so what we answer now is what a GET answers later.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    try {
      Account account = accounts.insert(email, hash, request.name(), request.phone(), now);
      log.info("Member {} signed up", account.id());
      return account;
    } catch (DuplicateKeyException e) {
      if (String.valueOf(e.getMessage()).contains(Accounts.EMAIL_CONSTRAINT)) {
        throw new DuplicateEmailException();
      }
      throw e;
    }
  }

  @Transactional(readOnly = true)
  public Account find(long id) {
    return accounts.findById(id).orElseThrow(() -> new MemberNotFoundException(id));
  }
}
