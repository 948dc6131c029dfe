package dev.strangler.signup.accounts;

import dev.strangler.signup.problems.ApiProblems;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** {@code 409 duplicate-email}: the e-mail is registered already (case-insensitive). */
class DuplicateEmailException extends ErrorResponseException {

  DuplicateEmailException() {
    super(HttpStatus.CONFLICT, ApiProblems.problem(HttpStatus.CONFLICT, "duplicate-email",
        "E-mail already registered", "A member with this e-mail already exists."), null);
  }
}
