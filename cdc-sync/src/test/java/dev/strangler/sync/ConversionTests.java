package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strangler.sync.mapping.Conversion;
import dev.strangler.sync.mapping.TypeCategory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConversionTests {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "lower-case|lower(x)",
      "trim|btrim(x)",
      "text|(x)::text",
      "timestamp-to-timestamptz|((x) AT TIME ZONE 'UTC')",
      "timestamptz-to-timestamp|((x) AT TIME ZONE 'UTC')",
      "numeric-scale-2|round((x)::numeric, 2)",
      "numeric-scale:4|round((x)::numeric, 4)"})
  void namedConversionsAreSqlExpressions(String name, String sql) {
    assertThat(Conversion.named(name).sql("x")).isEqualTo(sql);
  }

  @Test
  void chainsApplyInOrderAndChangeTheCategory() {
    assertThat(Conversion.chain("trim, lower-case")).extracting(Conversion::name).containsExactly("trim", "lower-case");
    assertThat(Conversion.named("timestamp-to-timestamptz").outputFor(TypeCategory.TIMESTAMP))
        .isEqualTo(TypeCategory.TIMESTAMPTZ);
    assertThat(Conversion.named("lower-case").accepts()).containsExactly(TypeCategory.TEXT);
  }

  @Test
  void unknownNamesListTheKnownOnes() {
    assertThatThrownBy(() -> Conversion.named("rot13")).hasMessageContaining("unknown conversion 'rot13'")
        .hasMessageContaining("numeric-scale:<n>");
  }
}
