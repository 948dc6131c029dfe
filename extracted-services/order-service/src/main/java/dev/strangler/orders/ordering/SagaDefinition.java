package dev.strangler.orders.ordering;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A saga declared as a list of steps, each with its compensation (after ftgo's
 * {@code CreateOrderSaga}). Each step persists its own state. When a step fails with a
 * {@link SagaFailure}, the compensations of the steps already done run in reverse order and
 * the failure is rethrown. Any other exception stops the saga where it is, uncompensated: the
 * outcome is unknown (e.g. the database went away after the charge) and recovery decides later.
 *
 * @param <D> the saga's data
 */
final class SagaDefinition<D> {

  /**
   * @param name for logs
   * @param action does the step (its own transaction, or a remote call outside any)
   * @param compensation undoes it semantically; must be idempotent
   */
  record Step<D>(String name, Consumer<D> action, BiConsumer<D, SagaFailure> compensation) {}

  private final List<Step<D>> steps;

  private SagaDefinition(List<Step<D>> steps) {
    this.steps = List.copyOf(steps);
  }

  static <D> Builder<D> step(String name, Consumer<D> action) {
    return new Builder<D>().step(name, action);
  }

  /** Runs every step; on a {@link SagaFailure} compensates and rethrows it. */
  void execute(D data) {
    for (int i = 0; i < steps.size(); i++) {
      try {
        steps.get(i).action().accept(data);
      } catch (SagaFailure failure) {
        compensate(data, failure, i - 1);
        throw failure;
      }
    }
  }

  /** Runs the compensations of steps {@code lastDone} down to the first. */
  void compensate(D data, SagaFailure failure, int lastDone) {
    for (int j = lastDone; j >= 0; j--) {
      steps.get(j).compensation().accept(data, failure);
    }
  }

  /** The index of the named step. */
  int indexOf(String name) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("No step " + name);
  }

  static final class Builder<D> {
    private final List<Step<D>> steps = new ArrayList<>();

    Builder<D> step(String name, Consumer<D> action) {
      steps.add(new Step<>(name, action, (data, failure) -> { }));
      return this;
    }

    Builder<D> withCompensation(BiConsumer<D, SagaFailure> compensation) {
      Step<D> last = steps.remove(steps.size() - 1);
      steps.add(new Step<>(last.name(), last.action(), compensation));
      return this;
    }

    SagaDefinition<D> build() {
      return new SagaDefinition<>(steps);
    }
  }
}
