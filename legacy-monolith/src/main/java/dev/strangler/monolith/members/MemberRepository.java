package dev.strangler.monolith.members;

import dev.strangler.monolith.Timestamps;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Repository;

/** The {@code members} table. E-mails are stored as typed; answers are normalised. */
@Repository
class MemberRepository {

  private final JdbcClient jdbc;

  MemberRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Inserts a member.
   *
   * @throws org.springframework.dao.DuplicateKeyException when the e-mail exists in any case
   */
  Member insert(String email, String passwordHash, String name, String phone, Instant createdAt) {
    var keys = new GeneratedKeyHolder();
    jdbc.sql("""
            INSERT INTO members (email, password_hash, name, phone, created_at)
            VALUES (:email, :hash, :name, :phone, :createdAt)""")
        .param("email", email)
        .param("hash", passwordHash)
        .param("name", name)
        .param("phone", phone)
        .param("createdAt", Timestamps.toDatabase(createdAt))
        .update(keys, "id");
    long id = keys.getKey().longValue();
    return new Member(id, normalise(email), name, phone, createdAt);
  }

  Optional<Member> findById(long id) {
    return jdbc.sql("SELECT id, email, name, phone, created_at FROM members WHERE id = :id")
        .param("id", id)
        .query((rs, row) -> new Member(rs.getLong("id"), normalise(rs.getString("email")),
            rs.getString("name"), rs.getString("phone"),
            Timestamps.fromDatabase(rs.getObject("created_at", LocalDateTime.class))))
        .optional();
  }

  private static String normalise(String email) {
    return email.trim().toLowerCase(Locale.ROOT);
  }
}
