package dev.strangler.sync.keys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RangeMeetingTests {

  static final long MAX = Long.MAX_VALUE;

  @ParameterizedTest(name = "{0}+{1}k and {3}+{4}k (max {2}, {5}) first meet at {6}")
  @CsvSource(nullValues = "never", value = {
      "101, 1, " + MAX + ", 1001, 2, " + MAX + ", 1001",   // the old side counts by 1: it reaches the new side's range
      "1000, 2, " + MAX + ", 1001, 2, " + MAX + ", never",  // even and odd keys
      "1, 1, 999999, 1000000, 1, " + MAX + ", never",      // the old side stops below the new side's start
      "1, 1, 1000000, 1000000, 1, " + MAX + ", 1000000",
      "7, 3, " + MAX + ", 2, 5, " + MAX + ", 7",            // 7 ≡ 1 (mod 3), 7 ≡ 2 (mod 5)
      "10, 4, " + MAX + ", 11, 6, " + MAX + ", never"})     // an even and an odd step from an odd gap
  void findsTheFirstKeyBothSequencesHandOut(long a, long p, long maxA, long b, long q, long maxB, Long meets) {
    assertThat(RangeMeeting.first(a, p, maxA, b, q, maxB)).isEqualTo(meets);
    assertThat(RangeMeeting.first(b, q, maxB, a, p, maxA)).isEqualTo(meets);
  }
}
