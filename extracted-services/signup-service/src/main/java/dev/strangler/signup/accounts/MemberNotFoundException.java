package dev.strangler.signup.accounts;

import dev.strangler.signup.problems.ApiProblems;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** {@code 404 not-found}: no member with this id. */
class MemberNotFoundException extends ErrorResponseException {

  MemberNotFoundException(long id) {
    super(HttpStatus.NOT_FOUND, ApiProblems.problem(HttpStatus.NOT_FOUND, "not-found",
        "Not found", "No member with id " + id + "."), null);
  }
}
