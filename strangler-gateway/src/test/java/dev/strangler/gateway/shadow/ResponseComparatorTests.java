package dev.strangler.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ResponseComparatorTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private ResponseComparator comparator(List<String> ignore, List<String> unordered, List<String> redact) {
    return new ResponseComparator(mapper, ResponseComparator.Rules.json(ignore.stream().map(JsonPath::compile).toList(),
        unordered.stream().map(JsonPath::compile).toList(), redact.stream().map(JsonPath::compile).toList()));
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
    assertThat(result.differences()).containsExactly("status: 200 != 201", "$.extra: only in new: true",
        "$.total: 10 != 11");
  }

  @Test
  void comparesConfiguredArraysWithoutRegardToOrder() {
    String legacy = "{\"tags\":[\"a\",\"b\",\"c\"],\"steps\":[1,2]}";
    String candidate = "{\"tags\":[\"c\",\"a\",\"b\"],\"steps\":[2,1]}";
    assertThat(comparator(List.of(), List.of("$.tags"), List.of()).compare(json(200, legacy), json(200, candidate))
        .differences()).containsExactly("$.steps[0]: 1 != 2", "$.steps[1]: 2 != 1");
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
  void comparesBinaryBodiesByteForByteNamingTheFirstDifferingOffset() {
    ResponseComparator c = comparator(List.of(), List.of(), List.of());
    CapturedResponse a = new CapturedResponse(200, "application/octet-stream", "hello".getBytes(), false);
    CapturedResponse b = new CapturedResponse(200, "application/octet-stream", "hellO!".getBytes(), false);
    assertThat(c.compare(a, a).matched()).isTrue();
    assertThat(c.compare(a, b).differences()).containsExactly("body: bytes differ at offset 4 (5 vs 6 bytes)");
  }

  @Test
  void showsBothJsonValuesWhereTheyDiffer() {
    var result = comparator(List.of(), List.of(), List.of()).compare(
        json(200, "{\"status\":\"NEW\",\"id\":1,\"paid\":null}"),
        json(200, "{\"status\":\"PAID\",\"id\":\"ord-1\",\"paid\":true}"));
    assertThat(result.differences()).containsExactly("$.id: 1 != \"ord-1\"", "$.paid: null != true",
        "$.status: \"NEW\" != \"PAID\"");
  }

  @Test
  void hidesJsonValuesUnderARedactedPathInDifferences() {
    var result = comparator(List.of(), List.of(), List.of("$..cardNumber", "$.member")).compare(
        json(200, "{\"payment\":{\"cardNumber\":\"4111111111111111\"},\"member\":{\"email\":\"a@b.c\"}}"),
        json(200, "{\"payment\":{\"cardNumber\":\"4000000000000002\"},\"member\":{\"email\":\"x@y.z\"}}"));
    assertThat(result.differences()).containsExactly("$.member.email: *** != *** (redacted)",
        "$.payment.cardNumber: *** != *** (redacted)");
    assertThat(String.join(" ", result.differences())).doesNotContain("4111").doesNotContain("a@b.c");
  }

  @Test
  void replacesIgnorePatternMatchesInJsonStringValues() {
    ResponseComparator c = new ResponseComparator(mapper, new ResponseComparator.Rules(List.of(), List.of(), List.of(),
        List.of(), List.of(Pattern.compile("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z")), List.of(), 4096, 200));
    assertThat(c.compare(json(200, "{\"note\":\"saved at 2026-12-03T18:00:00.123Z\"}"),
        json(200, "{\"note\":\"saved at 2026-12-03T18:00:02Z\"}")).matched()).isTrue();
    assertThat(c.compare(json(200, "{\"note\":\"saved at 2026-12-03T18:00:00.123Z\"}"),
        json(200, "{\"note\":\"stored at 2026-12-03T18:00:02Z\"}")).differences())
        .containsExactly("$.note: \"saved at (ignored)\" != \"stored at (ignored)\"");
  }

  @Test
  void rejectsMalformedJsonPaths() {
    assertThatThrownBy(() -> JsonPath.compile("items.id")).hasMessageContaining("starts with '$'");
    assertThatThrownBy(() -> JsonPath.compile("$.items[x")).hasMessageContaining("closing ']'");
    assertThatThrownBy(() -> JsonPath.compile("$.items[abc]")).hasMessageContaining("an index");
  }
}
