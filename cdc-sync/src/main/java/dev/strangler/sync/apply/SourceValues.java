package dev.strangler.sync.apply;

import dev.strangler.sync.mapping.Column;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Turns a column value of Debezium's JSON (with {@code decimal.handling.mode=string} and
 * {@code time.precision.mode=adaptive_time_microseconds}) into PostgreSQL's text input for the
 * source column's type; the SQL then casts it and applies the mapping's conversions.
 */
final class SourceValues {

  private static final Pattern PRECISION = Pattern.compile("\\((\\d)\\)");

  private SourceValues() {}

  static String text(Column column, JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    return switch (column.category()) {
      case TIMESTAMP -> timestamp(column, node.asLong());
      case DATE -> node.isNumber() ? LocalDate.ofEpochDay(node.asLong()).toString() : node.asString();
      case TIME -> node.isNumber() ? LocalTime.ofNanoOfDay(node.asLong() * 1000).toString() : node.asString();
      case BYTEA -> "\\x" + HexFormat.of().formatHex(Base64.getDecoder().decode(node.asString()));
      case JSON -> node.isString() ? node.asString() : node.toString();
      default -> node.isString() ? node.asString() : node.toString();
    };
  }

  /** Debezium sends timestamp(0..3) in milliseconds and timestamp(4..6) in microseconds, both as if UTC. */
  private static String timestamp(Column column, long value) {
    Matcher precision = PRECISION.matcher(column.sqlType());
    boolean millis = precision.find() && Integer.parseInt(precision.group(1)) <= 3;
    Instant instant = millis ? Instant.ofEpochMilli(value)
        : Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1000);
    return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
  }
}
