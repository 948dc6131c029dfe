package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CanarySplitterTests {

  private static final int KEYS = 10_000;

  @ParameterizedTest
  @ValueSource(doubles = {1, 5, 10, 25, 50, 75, 90, 99})
  void splitsTenThousandKeysWithinOnePointOfThePercent(double percent) {
    int toNew = 0;
    for (int i = 0; i < KEYS; i++) {
      if (CanarySplitter.toNew("member-" + i, percent)) {
        toNew++;
      }
    }
    assertThat(100.0 * toNew / KEYS).isCloseTo(percent, org.assertj.core.data.Offset.offset(1.0));
  }

  @Test
  void sendsTheSameKeyToTheSameSideEveryTime() {
    for (int i = 0; i < 1000; i++) {
      String key = "member-" + i;
      boolean first = CanarySplitter.toNew(key, 37);
      for (int repeat = 0; repeat < 5; repeat++) {
        assertThat(CanarySplitter.toNew(key, 37)).isEqualTo(first);
      }
    }
  }

  @Test
  void keepsAKeyOnTheNewSideWhenThePercentGrows() {
    double[] steps = {0, 1, 5, 20, 50, 80, 100};
    for (int i = 0; i < KEYS; i++) {
      String key = "uuid-" + Integer.toHexString(i * 7919);
      boolean wasNew = false;
      for (double percent : steps) {
        boolean isNew = CanarySplitter.toNew(key, percent);
        if (wasNew) {
          assertThat(isNew).as("%s at %s%%", key, percent).isTrue();
        }
        wasNew = isNew;
      }
    }
  }

  @Test
  void sendsNothingAtZeroAndEverythingAtOneHundred() {
    for (int i = 0; i < 1000; i++) {
      assertThat(CanarySplitter.toNew("k" + i, 0)).isFalse();
      assertThat(CanarySplitter.toNew("k" + i, 100)).isTrue();
      assertThat(CanarySplitter.toNew(null, 0)).isFalse();
      assertThat(CanarySplitter.toNew(null, 100)).isTrue();
    }
  }

  @Test
  void splitsRequestsWithoutAKeyByPercent() {
    int toNew = 0;
    for (int i = 0; i < KEYS; i++) {
      if (CanarySplitter.toNew(null, 20)) {
        toNew++;
      }
    }
    // random: 20 % ± 2 points is > 5 standard deviations
    assertThat(100.0 * toNew / KEYS).isBetween(18.0, 22.0);
  }
}
