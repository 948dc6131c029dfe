package dev.strangler.orders.ordering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strangler.orders.problems.ApiProblem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class SagaDefinitionTests {

  private final List<String> journal = new ArrayList<>();

  private SagaDefinition<List<String>> saga(Runnable third) {
    return SagaDefinition.<List<String>>step("one", log -> log.add("do one"))
        .withCompensation((log, failure) -> log.add("undo one"))
        .step("two", log -> log.add("do two"))
        .withCompensation((log, failure) -> log.add("undo two"))
        .step("three", log -> {
          log.add("do three");
          third.run();
        })
        .withCompensation((log, failure) -> log.add("undo three"))
        .build();
  }

  @Test
  void runsEveryStepInOrder() {
    saga(() -> { }).execute(journal);

    assertThat(journal).containsExactly("do one", "do two", "do three");
  }

  @Test
  void compensatesTheStepsAlreadyDoneInReverseOrderAndRethrows() {
    SagaFailure declined = SagaFailure.chargeFailed(FailureReason.DECLINED);

    assertThatThrownBy(() -> saga(() -> { throw declined; }).execute(journal)).isSameAs(declined);

    assertThat(journal).containsExactly("do one", "do two", "do three", "undo two", "undo one");
  }

  @Test
  void aRejectionIsCompensatedLikeAnyFailure() {
    SagaFailure rejected = SagaFailure.rejected(new ApiProblem(HttpStatus.CONFLICT, "coupon-used", "t", "d"));

    assertThatThrownBy(() -> saga(() -> { throw rejected; }).execute(journal)).isSameAs(rejected);

    assertThat(journal).endsWith("undo two", "undo one");
  }

  @Test
  void anUnexpectedExceptionStopsTheSagaUncompensatedForRecovery() {
    IllegalStateException unknownOutcome = new IllegalStateException("database gone after the charge");

    assertThatThrownBy(() -> saga(() -> { throw unknownOutcome; }).execute(journal)).isSameAs(unknownOutcome);

    assertThat(journal).containsExactly("do one", "do two", "do three");
  }

  @Test
  void compensatingFromANamedStepUndoesItAndEverythingBefore() {
    SagaDefinition<List<String>> saga = saga(() -> { });

    saga.compensate(journal, SagaFailure.chargeFailed(FailureReason.INTERRUPTED), saga.indexOf("two"));

    assertThat(journal).containsExactly("undo two", "undo one");
  }
}
