package dev.strangler.monolith.members;

import dev.strangler.monolith.Timestamps;
import dev.strangler.monolith.problems.ApiProblem;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Signup and member lookup. */
@Service
class MemberService {

  private static final Logger log = LoggerFactory.getLogger(MemberService.class);

  private final MemberRepository members;
  private final PasswordEncoder passwordEncoder;
  private final Clock clock;

  MemberService(MemberRepository members, PasswordEncoder passwordEncoder, Clock clock) {
    this.members = members;
    this.passwordEncoder = passwordEncoder;
    this.clock = clock;
  }

  /** @throws ApiProblem 409 {@code duplicate-email} when the e-mail is taken (any case) */
  @Transactional
  Member signUp(SignupRequest request) {
    String hash = passwordEncoder.encode(request.password());
    try {
      Member member = members.insert(request.email(), hash, request.name(), request.phone(),
          Timestamps.now(clock));
      log.info("Member {} signed up", member.id());
      return member;
    } catch (DuplicateKeyException ex) {
      throw ApiProblem.conflict("duplicate-email", "E-mail already registered",
          "A member with this e-mail already exists.");
    }
  }

  @Transactional(readOnly = true)
  Member find(long id) {
    return members.findById(id)
        .orElseThrow(() -> ApiProblem.notFound("No member with id " + id + "."));
  }
}
