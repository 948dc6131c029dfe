package dev.strangler.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class NoiseTableTests {

  @ParameterizedTest
  @CsvSource({
      "/api/orders/7,                            GET /api/orders/{}",
      "/api/members/12/orders,                   GET /api/members/{}/orders",
      "/api/menus,                               GET /api/menus",
      "/api/tokens/abcdefghijklmnopqrstuvwxyz,   GET /api/tokens/{}"})
  void foldsIdLikeSegmentsIntoOneEndpoint(String path, String endpoint) {
    assertThat(NoiseTable.endpoint("GET", path)).isEqualTo(endpoint);
  }

  @Test
  void samplesEveryRequestUntilTheMinimumThenAtTheRate() {
    NoiseTable table = new NoiseTable(0, 2);
    assertThat(table.wantsSample("GET /a")).isTrue();
    table.learn("GET /a", List.of("$.at"));
    assertThat(table.wantsSample("GET /a")).isTrue();
    table.learn("GET /a", List.of());
    assertThat(table.wantsSample("GET /a")).isFalse();
    assertThat(table.ignored("GET /a")).hasSize(1);
    assertThat(table.view().endpoints().get("GET /a").noise()).containsEntry("$.at", 1L);
  }
}
