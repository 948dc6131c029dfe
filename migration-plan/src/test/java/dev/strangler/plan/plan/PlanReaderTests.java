package dev.strangler.plan.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlanReaderTests {

  private static final Path FILE = Path.of("plan.yaml");

  private final PlanReader reader = new PlanReader(Map.of("GW_TOKEN", "secret")::get);

  private static final String VALID = """
      gateway: { admin-url: http://127.0.0.1:9000, token: "${GW_TOKEN}" }
      pipelines: [members-forward, members-reverse]
      routes:
        - name: signup
          paths: ["/api/members/**"]
          extracted: http://127.0.0.1:8082
          pipelines: [members-forward, members-reverse]
          steps:
            - shadow: { for: 30s, max-mismatch-rate: 0.01 }
            - canary: { percent: 10, for: 30s, max-error-rate: 0.01, max-p99: 500ms }
            - extracted: { for: 30s, max-lag: 2s, diff: zero }
      """;

  @Test
  void readsTheIssueShapeWithItsGates() throws Exception {
    Plan plan = reader.read(FILE, new StringReader(VALID));

    RoutePlan signup = plan.route("signup").orElseThrow();
    assertThat(signup.paths()).containsExactly("/api/members/**");
    assertThat(signup.steps()).extracting(Step::describe).containsExactly("shadow", "canary 10%", "extracted");
    assertThat(signup.steps().get(0).gates().maxMismatchRate()).isEqualTo(0.01);
    assertThat(signup.steps().get(1).gates().maxP99()).isEqualTo(Duration.ofMillis(500));
    assertThat(signup.steps().get(2).gates().maxLag()).isEqualTo(Duration.ofSeconds(2));
    assertThat(signup.steps().get(2).gates().diffZero()).isTrue();
    assertThat(plan.gateway().orElseThrow().token()).isEqualTo("secret");
  }

  @Test
  void readsAReadsStepBetweenShadowAndCanaryWithTheGatesOfTheNewSide() throws Exception {
    String plan = VALID.replace("      - canary: { percent: 10, for: 30s, max-error-rate: 0.01, max-p99: 500ms }",
        "      - reads: { for: 30s, max-error-rate: 0.02 }\n      - canary: { percent: 10, for: 30s, max-error-rate: 0.01, max-p99: 500ms }");
    RoutePlan signup = reader.read(FILE, new StringReader(plan)).route("signup").orElseThrow();
    assertThat(signup.steps()).extracting(Step::describe).containsExactly("shadow", "reads", "canary 10%", "extracted");
    assertThat(signup.steps().get(1).gates().maxErrorRate()).isEqualTo(0.02);
    assertThat(signup.stepIndexOf(Step.Kind.READS, 0)).isEqualTo(1);
  }

  @Test
  void readsTheReferencePlanShippedWithTheRepository() throws Exception {
    Plan plan = new PlanReader(name -> null).read(Path.of("plans/reference.yaml"));

    assertThat(plan.routes()).extracting(RoutePlan::name).containsExactly("signup", "orders");
    assertThat(plan.gateway().orElseThrow().url().toString()).isEqualTo("http://127.0.0.1:9000");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      unknown step         | shadow: { for: 30s } ; rollout: { for: 1s }                  | 10 | unknown step 'rollout': expected shadow, reads, canary or extracted
      percent out of range | canary: { percent: 120, for: 30s }                           | 9  | percent 120 is out of range: expected 1 to 99
      canary needs percent | canary: { for: 30s }                                         | 9  | has no 'percent'
      steps out of order   | extracted: { for: 1s } ; canary: { percent: 10 }             | 10 | 'extracted' must be the last step
      shadow after canary  | canary: { percent: 10 } ; shadow: { for: 1s }                | 10 | expected the order shadow → reads → canary → extracted
      reads after canary   | canary: { percent: 10 } ; reads: { for: 1s }                 | 10 | expected the order shadow → reads → canary → extracted
      two reads steps      | reads: { for: 1s } ; reads: { for: 2s }                      | 10 | a second 'reads' step
      unknown gate         | shadow: { for: 30s, max-mismatches: 3 }                      | 9  | unknown key 'max-mismatches'
      malformed duration   | shadow: { for: thirty }                                      | 9  | 'thirty' is not a duration
      rate out of range    | shadow: { max-mismatch-rate: 1.5 }                           | 9  | 1.5 is out of range
      gate on wrong step   | extracted: { max-mismatch-rate: 0.1 }                        | 9  | 'max-mismatch-rate' applies to shadow steps only
      diff not zero        | extracted: { diff: small }                                   | 9  | expected 'zero'
      """)
  void reportsWhereAndWhatWasExpected(String name, String steps, int line, String message) {
    StringBuilder plan = new StringBuilder(VALID.substring(0, VALID.indexOf("      - shadow")));
    for (String step : steps.split(";")) {
      plan.append("      - ").append(step.strip()).append('\n');
    }

    InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class,
        () -> reader.read(FILE, new StringReader(plan.toString())));

    assertThat(invalid).as(plan.toString()).isNotNull();
    assertThat(invalid.problems()).anySatisfy(problem -> {
      assertThat(problem.message()).contains(message);
      assertThat(problem.file()).isEqualTo(FILE);
      assertThat(problem.line()).isEqualTo(line);
    });
  }

  @Test
  void aRouteThatNamesAnUnknownPipelineIsRejectedAtItsLine() {
    String plan = VALID.replace("pipelines: [members-forward, members-reverse]\n    steps",
        "pipelines: [members-forward, accounts-sideways]\n    steps");

    InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class,
        () -> reader.read(FILE, new StringReader(plan)));

    assertThat(invalid.problems()).singleElement().satisfies(problem -> {
      assertThat(problem.line()).isEqualTo(7);
      assertThat(problem.column()).isEqualTo(16);
      assertThat(problem.message()).contains("unknown pipeline 'accounts-sideways'").contains("members-forward");
    });
  }

  @Test
  void canaryPercentsMustGrow() {
    String plan = VALID.replace("    - extracted:",
        "    - canary: { percent: 5, for: 1s }\n      - extracted:");

    InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class,
        () -> reader.read(FILE, new StringReader(plan)));

    assertThat(invalid.getMessage()).contains("plan.yaml:11:9").contains("canary 5% comes after canary 10%");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    String plan = """
        routes:
          - name: Signup
            paths: ["api/members"]
            steps: []
        """;

    InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class,
        () -> reader.read(FILE, new StringReader(plan)));

    assertThat(invalid.problems()).extracting(PlanProblem::message).anyMatch(m -> m.contains("lower-case"))
        .anyMatch(m -> m.contains("must start with '/'"))
        .anyMatch(m -> m.contains("has no 'extracted'"))
        .anyMatch(m -> m.contains("'steps' is empty"));
  }

  @Test
  void brokenYamlIsReportedWithItsPosition() {
    InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class,
        () -> reader.read(FILE, new StringReader("routes:\n  - name: [unclosed\n")));

    assertThat(invalid.problems()).singleElement().satisfies(problem -> {
      assertThat(problem.message()).startsWith("not valid YAML");
      assertThat(problem.line()).isGreaterThan(1);
    });
  }

  @Test
  void gatesThatNeedPipelinesAreRejectedOnARouteWithout() {
    String plan = VALID.replace("    pipelines: [members-forward, members-reverse]\n", "");

    InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class,
        () -> reader.read(FILE, new StringReader(plan)));

    assertThat(invalid.problems()).extracting(PlanProblem::message)
        .anyMatch(m -> m.contains("'max-lag' needs the route to name its 'pipelines'"))
        .anyMatch(m -> m.contains("'diff' needs the route to name its 'pipelines'"));
  }
}
