package dev.strangler.sync.mapping;

import java.util.List;
import java.util.Locale;

/**
 * Whether a target column can hold every value of its source column (after the conversions):
 * a shorter {@code varchar(n)}/{@code char(n)}, a {@code numeric(p,s)} with fewer digits or
 * decimals, a smaller integer, {@code real} for wider numbers, a timestamp or time of lower
 * precision. PostgreSQL's casts cut or round such values silently, so a narrowing mapping is
 * refused at start-up unless its {@code convert} says what to do: {@code exact} (a value that does
 * not fit is dead-lettered) or {@code truncate} (cut or rounded by the cast).
 */
final class Narrowing {

  private Narrowing() {}

  /** Why the target may not hold every source value, or null when it holds them all. */
  static String of(Column source, List<Conversion> conversions, Column target) {
    Shape shape = Shape.of(source);
    for (Conversion conversion : conversions) {
      shape = shape.after(conversion);
    }
    return shape.narrowedBy(target);
  }

  /**
   * What is known of the values after the conversions.
   *
   * @param category their category
   * @param udt the type name when known exactly, else null
   * @param typmod its modifier, -1 when unbounded or unknown
   */
  private record Shape(TypeCategory category, String udt, int typmod) {

    static Shape of(Column column) {
      return new Shape(column.category(), column.udtName().toLowerCase(Locale.ROOT), column.typmod());
    }

    Shape after(Conversion conversion) {
      String name = conversion.name();
      if (name.equals("exact") || name.equals("truncate") || name.equals("lower-case") || name.equals("upper-case")
          || name.equals("trim")) {
        return this;
      }
      if (name.startsWith("numeric-scale")) {
        int scale = Integer.parseInt(name.replaceAll("\\D", ""));
        Integer digits = integerDigits();
        return digits == null ? new Shape(TypeCategory.NUMERIC, "numeric", -1)
            : new Shape(TypeCategory.NUMERIC, "numeric", (((digits + scale) << 16) | scale) + 4);
      }
      if (name.equals("text")) {
        return category == TypeCategory.TEXT ? this : new Shape(TypeCategory.TEXT, "text", -1);
      }
      TypeCategory output = conversion.outputFor(category);
      return new Shape(output, output == category ? udt : null, output == category ? typmod : -1);
    }

    /** Digits before the decimal point, null when unbounded or unknown. */
    Integer integerDigits() {
      if (category == TypeCategory.INTEGER) {
        return switch (udt == null ? "" : udt) {
          case "int2" -> 5;
          case "int4" -> 10;
          default -> 19;
        };
      }
      if (category == TypeCategory.NUMERIC && typmod >= 4) {
        return precision(typmod) - scale(typmod);
      }
      return null;
    }

    String narrowedBy(Column target) {
      String type = target.sqlType();
      int mod = target.typmod();
      switch (target.category()) {
        case TEXT -> {
          if (mod < 4 || target.udtName().equals("text")) {
            return null;
          }
          int length = mod - 4;
          boolean fits = category == TypeCategory.TEXT && typmod >= 4 && typmod - 4 <= length;
          return fits ? null : "a value longer than " + length + " characters would be cut to fit " + type;
        }
        case NUMERIC -> {
          if (mod < 4) {
            return category == TypeCategory.FLOAT ? null : null;
          }
          int scale = scale(mod);
          int digits = precision(mod) - scale;
          Integer sourceDigits = integerDigits();
          int sourceScale = category == TypeCategory.INTEGER ? 0 : category == TypeCategory.NUMERIC && typmod >= 4
              ? scale(typmod) : Integer.MAX_VALUE;
          if (sourceScale > scale) {
            return "a value with more than " + scale + " decimals would be rounded to fit " + type;
          }
          if (sourceDigits == null || sourceDigits > digits) {
            return "a value with more than " + digits + " digits before the point does not fit " + type;
          }
          return null;
        }
        case INTEGER -> {
          int width = width(target.udtName());
          int sourceWidth = category == TypeCategory.INTEGER && udt != null ? width(udt) : 8;
          return sourceWidth > width ? "a value beyond the range of " + type + " does not fit it" : null;
        }
        case FLOAT -> {
          boolean real = target.udtName().equals("float4");
          boolean wide = switch (category) {
            case FLOAT -> real && !"float4".equals(udt);
            case INTEGER -> real ? !"int2".equals(udt) : !"int2".equals(udt) && !"int4".equals(udt);
            case NUMERIC -> real || typmod < 4 || precision(typmod) > 15;
            default -> false;
          };
          return wide ? "a value with more significant digits than " + type + " keeps would be rounded" : null;
        }
        case TIMESTAMP, TIMESTAMPTZ, TIME -> {
          int precision = mod < 0 ? 6 : mod;
          int sourcePrecision = typmod < 0 ? 6 : typmod;
          return sourcePrecision > precision
              ? "a value with more than " + precision + " fractional digits of a second would be rounded to fit " + type
              : null;
        }
        default -> {
          return null;
        }
      }
    }

    private static int width(String udt) {
      return switch (udt) {
        case "int2" -> 2;
        case "int4" -> 4;
        default -> 8;
      };
    }

    private static int precision(int typmod) {
      return ((typmod - 4) >> 16) & 0xffff;
    }

    private static int scale(int typmod) {
      return (typmod - 4) & 0xffff;
    }
  }
}
