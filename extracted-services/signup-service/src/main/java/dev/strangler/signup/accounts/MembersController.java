package dev.strangler.signup.accounts;

import jakarta.validation.Valid;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/members}: the monolith's members API, served from accounts. */
@RestController
@RequestMapping("/api/members")
class MembersController {

  private final AccountRegistration registration;

  /** @param registration sign-up and look-up */
  MembersController(AccountRegistration registration) {
    this.registration = registration;
  }

  @PostMapping
  ResponseEntity<MemberResponse> signUp(@Valid @RequestBody SignupRequest request) {
    Account account = registration.signUp(request);
    // A relative Location, as docs/api.md says: correct behind the gateway too.
    return ResponseEntity.created(URI.create("/api/members/" + account.id()))
        .body(MemberResponse.of(account));
  }

  @GetMapping("/{id}")
  MemberResponse member(@PathVariable long id) {
    return MemberResponse.of(registration.find(id));
  }
}
