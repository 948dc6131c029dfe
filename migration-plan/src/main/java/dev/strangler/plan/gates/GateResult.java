package dev.strangler.plan.gates;

/**
 * One gate checked.
 *
 * @param gate the gate's name as written in the plan ({@code for}, {@code max-p99}, ...)
 * @param holds whether it holds
 * @param detail the figure seen against the limit, and by how much it misses
 */
public record GateResult(String gate, boolean holds, String detail) {

  @Override
  public String toString() {
    return (holds ? "ok   " : "FAIL ") + gate + ": " + detail;
  }
}
