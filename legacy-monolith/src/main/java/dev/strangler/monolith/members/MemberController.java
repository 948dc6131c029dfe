package dev.strangler.monolith.members;

import jakarta.validation.Valid;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/members")
class MemberController {

  private final MemberService members;

  MemberController(MemberService members) {
    this.members = members;
  }

  @PostMapping
  ResponseEntity<Member> signUp(@Valid @RequestBody SignupRequest request) {
    Member member = members.signUp(request);
    return ResponseEntity.created(URI.create("/api/members/" + member.id())).body(member);
  }

  @GetMapping("/{id}")
  Member find(@PathVariable long id) {
    return members.find(id);
  }
}
