package dev.strangler.sync.capture;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Host, port and database parsed from a {@code jdbc:postgresql://} URL, as Debezium wants them. */
record SourceDatabase(String host, int port, String database) {

  private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+)(\\?.*)?");

  static SourceDatabase parse(String jdbcUrl) {
    Matcher matcher = URL.matcher(jdbcUrl);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/database URL: " + jdbcUrl);
    }
    return new SourceDatabase(matcher.group(1), matcher.group(2) == null ? 5432 : Integer.parseInt(matcher.group(2)),
        matcher.group(3));
  }
}
