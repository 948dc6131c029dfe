package dev.strangler.signup.accounts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code accounts} table. */
@Repository
class Accounts {

  /** The unique constraint that makes e-mails unique (see the Liquibase changelog). */
  static final String EMAIL_CONSTRAINT = "uq_accounts_email_normalized";

  private final JdbcClient jdbc;

  /** @param jdbc the signup database */
  Accounts(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Inserts an account; the id comes from the identity (service range, from 10^12).
   *
   * @throws org.springframework.dao.DuplicateKeyException if the e-mail is taken
   */
  Account insert(String email, String passwordHash, String displayName, String phone, Instant createdAt) {
    long id = jdbc.sql("""
            insert into accounts (email_normalized, password_hash, display_name, phone, created_at)
            values (:email, :passwordHash, :displayName, :phone, :createdAt)
            returning id""")
        .param("email", email)
        .param("passwordHash", passwordHash)
        .param("displayName", displayName)
        .param("phone", phone)
        .param("createdAt", OffsetDateTime.ofInstant(createdAt, ZoneOffset.UTC))
        .query(Long.class)
        .single();
    return new Account(id, email, passwordHash, displayName, phone, createdAt);
  }

  Optional<Account> findById(long id) {
    return jdbc.sql("""
            select id, email_normalized, password_hash, display_name, phone, created_at
            from accounts where id = :id""")
        .param("id", id)
        .query(Accounts::account)
        .optional();
  }

  private static Account account(ResultSet row, int rowNum) throws SQLException {
    return new Account(row.getLong("id"), row.getString("email_normalized"),
        row.getString("password_hash"), row.getString("display_name"), row.getString("phone"),
        row.getObject("created_at", OffsetDateTime.class).toInstant());
  }
}
