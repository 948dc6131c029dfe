package dev.strangler.signup.accounts;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Guards the id strategy: accounts created here take ids from 10^12 up, the monolith's stay
 * below, so both sides can take writes during a canary without colliding. Start-up fails if the
 * {@code accounts} identity does not start in the service range (a hand-made or legacy schema).
 */
@Component
class ServiceIdRange implements ApplicationRunner {

  /** First id of the services' range; the monolith's ids must stay below it. */
  static final long FIRST_SERVICE_ID = 1_000_000_000_000L;

  private static final Logger log = LoggerFactory.getLogger(ServiceIdRange.class);

  private final JdbcClient jdbc;

  /** @param jdbc the signup database */
  ServiceIdRange(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public void run(ApplicationArguments args) {
    long start = jdbc.sql("""
            select s.seqstart from pg_sequence s
            where s.seqrelid = pg_get_serial_sequence('accounts', 'id')::regclass""")
        .query(Long.class)
        .single();
    if (start < FIRST_SERVICE_ID) {
      throw new IllegalStateException("The identity of accounts.id starts at " + start
          + ", below the service id range (" + FIRST_SERVICE_ID + "): ids would collide with the monolith's");
    }
    log.info("Account ids come from the service range, identity starting at {}", start);
  }
}
