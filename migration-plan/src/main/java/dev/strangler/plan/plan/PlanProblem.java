package dev.strangler.plan.plan;

import java.nio.file.Path;

/**
 * Something wrong in a plan file, where it is and what was expected.
 *
 * @param file the plan file
 * @param line 1-based line
 * @param column 1-based column
 * @param message what is wrong and what was expected
 */
public record PlanProblem(Path file, int line, int column, String message) {

  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }
}
