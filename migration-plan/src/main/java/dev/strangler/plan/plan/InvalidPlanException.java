package dev.strangler.plan.plan;

import java.util.List;
import java.util.stream.Collectors;

/** A plan that does not validate; nothing may be applied from it. */
public class InvalidPlanException extends Exception {

  private final List<PlanProblem> problems;

  public InvalidPlanException(List<PlanProblem> problems) {
    super(problems.stream().map(PlanProblem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<PlanProblem> problems() {
    return problems;
  }
}
