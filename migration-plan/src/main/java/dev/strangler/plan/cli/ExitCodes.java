package dev.strangler.plan.cli;

/** Exit codes scripts can rely on; documented in the module README. */
public final class ExitCodes {
  /** Done: the plan is valid, the switch happened, the gates hold, no difference. */
  public static final int OK = 0;
  /** Something unexpected broke inside the CLI. */
  public static final int INTERNAL = 1;
  /** Bad usage or a plan that does not validate; nothing was applied. */
  public static final int INVALID = 2;
  /** A gate does not hold (advance refused, nothing changed) or verify found differences. */
  public static final int GATE_FAILED = 3;
  /** The autopilot saw a gate break and rolled the route back. */
  public static final int ROLLED_BACK = 4;
  /** The gateway's or cdc-sync's admin API could not be reached, refused the token or the call. */
  public static final int ADMIN_ERROR = 5;

  private ExitCodes() {}
}
