package dev.strangler.gateway.controlstore;

import dev.strangler.gateway.routing.Mode;
import dev.strangler.gateway.routing.RouteState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The gateway's control store: route states and the audit trail in PostgreSQL. Every method
 * blocks (JDBC): call it from a worker thread, never from the event loop. A switch commits
 * state, audit row and a {@code NOTIFY} together, so other replicas hear of it only once it is
 * durable.
 */
public class ControlStore {

  /** The PostgreSQL notification channel; the payload is {@code <route>:<version>}. */
  public static final String CHANNEL = "strangler_gateway_switch";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;
  private final String replica;

  /**
   * @param jdbc the control-store database
   * @param transactions transactions on it
   * @param replica this replica's name, written to audit rows
   */
  public ControlStore(JdbcTemplate jdbc, TransactionTemplate transactions, String replica) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.replica = replica;
  }

  /**
   * The outcome of a switch.
   *
   * @param before the state it replaced
   * @param after the new state, the same as {@code before} when nothing changed
   */
  public record Switched(RouteState before, RouteState after) {
    public boolean changed() {
      return after.version() != before.version();
    }
  }

  /**
   * Changes a route's stored state in one transaction, serialised with every other replica by a
   * row lock.
   *
   * @param route the route name
   * @param initial the config state, used when nothing is stored yet
   * @param change computes the new state from the current one; empty means no change
   * @param actor who asks
   * @param automatic whether the gateway itself asks (auto-rollback)
   * @param outcome audited: {@code switched} or {@code forced}
   */
  public Switched change(String route, RouteState initial, Function<RouteState, Optional<RouteState>> change,
      String actor, boolean automatic, String outcome) {
    return transactions.execute(tx -> {
      // a row to lock even for the first switch; version 0 stands for "as configured" and is
      // never applied over the config by other replicas
      jdbc.update("""
          INSERT INTO gateway_route_state (route_name, mode, percent, version, previous_mode,
            previous_percent, updated_at, updated_by, reason) VALUES (?, ?, ?, 0, NULL, 0, ?, ?, ?)
          ON CONFLICT (route_name) DO NOTHING""",
          route, initial.mode().id(), initial.percent(), Timestamp.from(initial.updatedAt()),
          initial.updatedBy(), initial.reason());
      RouteState stored = jdbc.queryForObject("SELECT * FROM gateway_route_state WHERE route_name = ? FOR UPDATE",
          ControlStore::state, route);
      RouteState current = stored.version() == 0 ? initial : stored;
      Optional<RouteState> next = change.apply(current);
      if (next.isEmpty()) {
        return new Switched(current, current);
      }
      RouteState s = next.get();
      jdbc.update("""
          UPDATE gateway_route_state SET mode = ?, percent = ?, version = ?, previous_mode = ?,
            previous_percent = ?, updated_at = ?, updated_by = ?, reason = ? WHERE route_name = ?""",
          s.mode().id(), s.percent(), s.version(), s.previousMode() == null ? null : s.previousMode().id(),
          s.previousPercent(), Timestamp.from(s.updatedAt()), s.updatedBy(), s.reason(), route);
      jdbc.update("""
          INSERT INTO gateway_switch_audit (route_name, at, actor, automatic, from_mode, from_percent,
            to_mode, to_percent, reason, version, replica, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
          route, Timestamp.from(s.updatedAt()), actor, automatic, current.mode().id(), current.percent(),
          s.mode().id(), s.percent(), s.reason(), s.version(), replica, outcome);
      jdbc.queryForList("SELECT pg_notify(?, ?)", CHANNEL, route + ":" + s.version());
      return new Switched(current, s);
    });
  }

  /**
   * Records a switch that was abandoned: an audit row with outcome {@code abandoned}; the route's
   * state is not touched (its version stays).
   *
   * @param route the route
   * @param current the live state, which stays
   * @param toMode the mode that was asked for
   * @param toPercent the percent that was asked for
   * @param reason why it was abandoned (with the lag seen) and why it was asked for
   * @param actor who asked
   */
  public void abandoned(String route, RouteState current, Mode toMode, double toPercent, String reason, String actor) {
    String r = reason.length() > 1000 ? reason.substring(0, 997) + "..." : reason;
    jdbc.update("""
        INSERT INTO gateway_switch_audit (route_name, at, actor, automatic, from_mode, from_percent,
          to_mode, to_percent, reason, version, replica, outcome)
        VALUES (?, ?, ?, false, ?, ?, ?, ?, ?, ?, ?, 'abandoned')""",
        route, Timestamp.from(Instant.now()), actor, current.mode().id(), current.percent(), toMode.id(),
        toPercent, r, current.version(), replica);
  }

  /**
   * Records a verify of a pipeline (run from the dashboard) against a route: an audit row with
   * action {@code verify}; the route's state is not touched.
   *
   * @param route the route the pipeline belongs to
   * @param current the route's live state; null for a pipeline under no route
   * @param pipeline the pipeline verified
   * @param outcome {@code equal}, {@code different} or {@code failed}
   * @param detail what was found or why it failed
   * @param reason the operator's reason
   * @param actor who asked
   */
  public void verified(String route, RouteState current, String pipeline, String outcome, String detail,
                       String reason, String actor) {
    String mode = current == null ? "-" : current.mode().id();
    double percent = current == null ? 0 : current.percent();
    jdbc.update("""
        INSERT INTO gateway_switch_audit (route_name, at, actor, automatic, from_mode, from_percent,
          to_mode, to_percent, reason, version, replica, outcome, action, pipeline, detail)
        VALUES (?, ?, ?, false, ?, ?, ?, ?, ?, ?, ?, ?, 'verify', ?, ?)""",
        route, Timestamp.from(Instant.now()), actor, mode, percent, mode, percent, clip(reason),
        current == null ? 0 : current.version(), replica, outcome, pipeline, clip(detail));
  }

  private static String clip(String text) {
    return text == null || text.length() <= 1000 ? text : text.substring(0, 997) + "...";
  }

  /** The stored state of a route, if it was ever switched. */
  public Optional<RouteState> load(String route) {
    return jdbc.query("SELECT * FROM gateway_route_state WHERE route_name = ?", ControlStore::state, route)
        .stream().findFirst();
  }

  /**
   * Every stored state.
   *
   * @param route the route name
   * @param state its stored state
   */
  public record Stored(String route, RouteState state) {}

  public List<Stored> loadAll() {
    return jdbc.query("SELECT * FROM gateway_route_state",
        (rs, n) -> new Stored(rs.getString("route_name"), state(rs, n)));
  }

  /**
   * The audit trail, newest first.
   *
   * @param route only this route, or null for all
   * @param limit at most this many entries
   */
  public List<AuditEntry> audit(String route, int limit) {
    String sql = "SELECT * FROM gateway_switch_audit" + (route == null ? "" : " WHERE route_name = ?")
        + " ORDER BY id DESC LIMIT " + limit;
    Object[] args = route == null ? new Object[0] : new Object[] {route};
    return jdbc.query(sql, (rs, n) -> new AuditEntry(rs.getLong("id"), rs.getString("route_name"),
        rs.getTimestamp("at").toInstant(), rs.getString("actor"), rs.getBoolean("automatic"),
        rs.getString("from_mode"), rs.getDouble("from_percent"), rs.getString("to_mode"),
        rs.getDouble("to_percent"), rs.getString("reason"), rs.getLong("version"), rs.getString("replica"),
        rs.getString("outcome"), rs.getString("action"), rs.getString("pipeline"), rs.getString("detail")), args);
  }

  private static RouteState state(ResultSet rs, int row) throws SQLException {
    String previous = rs.getString("previous_mode");
    Instant at = rs.getTimestamp("updated_at").toInstant();
    return new RouteState(Mode.parse(rs.getString("mode")), rs.getDouble("percent"), rs.getLong("version"),
        previous == null ? null : Mode.parse(previous), rs.getDouble("previous_percent"), at,
        rs.getString("updated_by"), rs.getString("reason"));
  }
}
