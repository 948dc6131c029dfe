package dev.strangler.sync.mapping;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named conversion of a column value, done in SQL so that the applier (which writes) and the
 * verifier (which compares) compute exactly the same value.
 *
 * <p>Names: {@code lower-case}, {@code upper-case}, {@code trim}, {@code text},
 * {@code timestamp-to-timestamptz} and {@code timestamptz-to-timestamp} (the timestamp without
 * zone is UTC), {@code text-to-timestamptz}, {@code numeric-scale:<n>} (round half up to n
 * decimals; {@code numeric-scale-2} is {@code numeric-scale:2}); for a target column narrower than
 * its source ({@link Narrowing}), {@code exact} (a value that does not fit is dead-lettered, never
 * cut) or {@code truncate} (cut or rounded, as PostgreSQL's cast does).
 *
 * @param name the name as configured
 * @param accepts the input categories
 * @param output the output category ({@code null}: same as input)
 * @param template SQL with {@code %s} for the input expression
 */
public record Conversion(String name, Set<TypeCategory> accepts, TypeCategory output, String template) {

  private static final Pattern NUMERIC_SCALE = Pattern.compile("numeric-scale[:-](\\d{1,2})");
  private static final Set<TypeCategory> NUMBERS =
      EnumSet.of(TypeCategory.INTEGER, TypeCategory.NUMERIC, TypeCategory.FLOAT);

  /** The named conversion, or an exception listing the known names. */
  public static Conversion named(String configured) {
    String name = configured.trim().toLowerCase(Locale.ROOT);
    Matcher scale = NUMERIC_SCALE.matcher(name);
    if (scale.matches()) {
      return new Conversion(name, NUMBERS, TypeCategory.NUMERIC, "round((%s)::numeric, " + scale.group(1) + ")");
    }
    return switch (name) {
      case "lower-case" -> new Conversion(name, EnumSet.of(TypeCategory.TEXT), null, "lower(%s)");
      case "upper-case" -> new Conversion(name, EnumSet.of(TypeCategory.TEXT), null, "upper(%s)");
      case "trim" -> new Conversion(name, EnumSet.of(TypeCategory.TEXT), null, "btrim(%s)");
      case "text" -> new Conversion(name, EnumSet.complementOf(EnumSet.of(TypeCategory.BYTEA)), TypeCategory.TEXT,
          "(%s)::text");
      case "timestamp-to-timestamptz" -> new Conversion(name, EnumSet.of(TypeCategory.TIMESTAMP),
          TypeCategory.TIMESTAMPTZ, "((%s) AT TIME ZONE 'UTC')");
      case "timestamptz-to-timestamp" -> new Conversion(name, EnumSet.of(TypeCategory.TIMESTAMPTZ),
          TypeCategory.TIMESTAMP, "((%s) AT TIME ZONE 'UTC')");
      case "exact", "truncate" -> new Conversion(name, EnumSet.allOf(TypeCategory.class), null, "%s");
      case "text-to-timestamptz" -> new Conversion(name, EnumSet.of(TypeCategory.TEXT), TypeCategory.TIMESTAMPTZ,
          "(%s)::timestamptz");
      default -> throw new IllegalArgumentException("unknown conversion '" + configured + "' (known: lower-case, "
          + "upper-case, trim, text, timestamp-to-timestamptz, timestamptz-to-timestamp, text-to-timestamptz, "
          + "numeric-scale:<n>, exact, truncate)");
    };
  }

  /** Parses a comma-separated chain, e.g. {@code trim,lower-case}. */
  public static List<Conversion> chain(String configured) {
    List<Conversion> chain = new ArrayList<>();
    for (String part : configured.split(",")) {
      if (!part.isBlank()) {
        chain.add(named(part));
      }
    }
    return chain;
  }

  /** The output category for an input of {@code input}. */
  public TypeCategory outputFor(TypeCategory input) {
    return output == null ? input : output;
  }

  /** The SQL expression applying this conversion to {@code expression}. */
  public String sql(String expression) {
    return template.formatted(expression);
  }
}
