package dev.strangler.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ResponseComparatorTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private ResponseComparator comparator(List<String> ignore, List<String> unordered, List<String> redact) {
    return new ResponseComparator(mapper, ignore.stream().map(JsonPath::compile).toList(),
        unordered.stream().map(JsonPath::compile).toList(), redact.stream().map(JsonPath::compile).toList());
  }

  private static CapturedResponse json(int status, String body) {
    return new CapturedResponse(status, "application/json", body.getBytes(StandardCharsets.UTF_8), false);
  }

  @Test
  void matchesWhenOnlyIgnoredPathsDiffer() {
    ResponseComparator c = comparator(List.of("$.id", "$.items[*].createdAt"), List.of(), List.of());
    var result = c.compare(
        json(200, "{\"id\":1,\"total\":10,\"items\":[{\"sku\":\"a\",\"createdAt\":\"x\"}]}"),
        json(200, "{\"id\":99,\"total\":10,\"items\":[{\"sku\":\"a\",\"createdAt\":\"y\"}]}"));
    assertThat(result.matched()).isTrue();
  }

  @Test
  void reportsWhereBodiesDiffer() {
    ResponseComparator c = comparator(List.of("$.id"), List.of(), List.of());
    var result = c.compare(json(200, "{\"id\":1,\"total\":10,\"status\":\"NEW\"}"),
        json(201, "{\"id\":2,\"total\":11,\"extra\":true,\"status\":\"NEW\"}"));
    assertThat(result.matched()).isFalse();
    assertThat(result.differences()).containsExactly("status: 200 != 201", "$.extra: only in new",
        "$.total: values differ (NUMBER vs NUMBER)");
  }

  @Test
  void comparesConfiguredArraysWithoutRegardToOrder() {
    String legacy = "{\"tags\":[\"a\",\"b\",\"c\"],\"steps\":[1,2]}";
    String candidate = "{\"tags\":[\"c\",\"a\",\"b\"],\"steps\":[2,1]}";
    assertThat(comparator(List.of(), List.of("$.tags"), List.of()).compare(json(200, legacy), json(200, candidate))
        .differences()).containsExactly("$.steps[0]: values differ (NUMBER vs NUMBER)",
        "$.steps[1]: values differ (NUMBER vs NUMBER)");
    assertThat(comparator(List.of(), List.of("$.tags", "$.steps"), List.of())
        .compare(json(200, legacy), json(200, candidate)).matched()).isTrue();
  }

  @Test
  void redactsConfiguredFieldsAtAnyDepthInSamples() {
    ResponseComparator c = comparator(List.of(), List.of(), List.of("$..cardNumber", "$.member.email"));
    String sample = c.sample(json(200,
        "{\"member\":{\"email\":\"a@b.c\",\"name\":\"Ann\"},\"payments\":[{\"cardNumber\":\"4111111111111111\"}]}"));
    assertThat(sample).doesNotContain("4111111111111111").doesNotContain("a@b.c")
        .contains("\"cardNumber\":\"***\"").contains("\"email\":\"***\"").contains("\"name\":\"Ann\"");
  }

  @Test
  void comparesNonJsonBodiesByteForByte() {
    ResponseComparator c = comparator(List.of(), List.of(), List.of());
    CapturedResponse a = new CapturedResponse(200, "text/plain", "hello".getBytes(), false);
    CapturedResponse b = new CapturedResponse(200, "text/plain", "hellO".getBytes(), false);
    assertThat(c.compare(a, a).matched()).isTrue();
    assertThat(c.compare(a, b).differences()).containsExactly("body: bytes differ (5 vs 5 bytes)");
  }

  @Test
  void rejectsMalformedJsonPaths() {
    assertThatThrownBy(() -> JsonPath.compile("items.id")).hasMessageContaining("starts with '$'");
    assertThatThrownBy(() -> JsonPath.compile("$.items[x")).hasMessageContaining("closing ']'");
    assertThatThrownBy(() -> JsonPath.compile("$.items[abc]")).hasMessageContaining("an index");
  }
}
