package dev.strangler.signup.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.contract.ApiClient;
import dev.strangler.contract.ApiResponse;
import dev.strangler.contract.members.Signups;
import dev.strangler.testkit.TestInfrastructure;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** What the contract cannot see: the accounts table, the id range, races. Real PostgreSQL. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AccountsIntegrationTests {

  @LocalServerPort
  int port;

  @Autowired
  JdbcClient jdbc;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestInfrastructure.freshDatabase("signup_accounts").registerAsDataSource(registry);
  }

  private ApiClient api() {
    return new ApiClient(URI.create("http://127.0.0.1:" + port));
  }

  @Test
  void allocatesIdsFromTheServiceRange() {
    long id = Signups.signUp(api());

    assertThat(id).isGreaterThanOrEqualTo(1_000_000_000_000L);
  }

  @Test
  void storesTheRefactoredRowWithTheEmailNormalised() {
    String email = Signups.uniqueEmail();
    Map<String, Object> request = Signups.valid(" " + email.toUpperCase() + "  ");

    JsonNode member = api().post("/api/members", request).json();

    Map<String, Object> row = jdbc.sql("select * from accounts where id = :id")
        .param("id", member.path("id").longValue()).query().singleRow();
    assertThat(row.get("email_normalized")).isEqualTo(email);
    assertThat(row.get("display_name")).isEqualTo(request.get("name"));
    assertThat(row.get("phone")).isEqualTo(request.get("phone"));
    assertThat(new BCryptPasswordEncoder().matches((String) request.get("password"),
        (String) row.get("password_hash"))).isTrue();
    Instant createdAt = jdbc.sql("select created_at from accounts where id = :id")
        .param("id", member.path("id").longValue())
        .query((rs, n) -> rs.getObject(1, java.time.OffsetDateTime.class).toInstant()).single();
    assertThat(createdAt).isEqualTo(Instant.parse(member.path("createdAt").stringValue()));
  }

  @Test
  void legacyRowInsertedWithItsIdKeepsItAndLeavesTheIdentityAlone() {
    long before = Signups.signUp(api());
    long legacyId = 4242;
    String legacyEmail = Signups.uniqueEmail();
    // What cdc-sync does with a member created on the monolith: the monolith's id, given explicitly.
    jdbc.sql("""
            insert into accounts (id, email_normalized, password_hash, display_name, phone, created_at)
            values (:id, :email, :hash, 'Legacy Lee', '010-0000-0000', now())""")
        .param("id", legacyId).param("email", legacyEmail)
        .param("hash", new BCryptPasswordEncoder(4).encode("legacy password")).update();

    long after = Signups.signUp(api());

    assertThat(after).isEqualTo(before + 1);
    ApiResponse legacy = api().get("/api/members/" + legacyId);
    assertThat(legacy.status()).isEqualTo(200);
    assertThat(legacy.json().path("id").longValue()).isEqualTo(legacyId);
    assertThat(legacy.json().path("email").stringValue()).isEqualTo(legacyEmail);
    assertThat(api().post("/api/members", Signups.valid(legacyEmail.toUpperCase())).status())
        .isEqualTo(409);
  }

  @Test
  void concurrentSignupsWithOneEmailCreateExactlyOneMember() throws Exception {
    String email = Signups.uniqueEmail();
    int attempts = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(attempts);
    List<Future<Integer>> statuses = new ArrayList<>();
    try {
      for (int i = 0; i < attempts; i++) {
        String spelling = i % 2 == 0 ? email : email.toUpperCase();
        statuses.add(pool.submit(() -> {
          start.await();
          return api().post("/api/members", Signups.valid(spelling)).status();
        }));
      }
      start.countDown();
      List<Integer> answered = new ArrayList<>();
      for (Future<Integer> status : statuses) {
        answered.add(status.get());
      }

      assertThat(answered).containsOnly(201, 409).filteredOn(s -> s == 201).hasSize(1);
      assertThat(jdbc.sql("select count(*) from accounts where email_normalized = :email")
          .param("email", email).query(Long.class).single()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
