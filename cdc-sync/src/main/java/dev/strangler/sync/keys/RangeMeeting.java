package dev.strangler.sync.keys;

import java.math.BigInteger;

/** Where two ascending sequences first hand out the same value, if ever. */
final class RangeMeeting {

  private RangeMeeting() {}

  /**
   * The smallest value both {@code a, a + p, a + 2p, … ≤ maxA} and {@code b, b + q, … ≤ maxB} reach,
   * or null when they never meet (their steps interleave them, or one ends before the other begins).
   *
   * @param a the first sequence's next value
   * @param p its increment, positive
   * @param maxA its {@code MAXVALUE}
   * @param b the second's next value
   * @param q its increment, positive
   * @param maxB its {@code MAXVALUE}
   */
  static Long first(long a, long p, long maxA, long b, long q, long maxB) {
    BigInteger bigA = BigInteger.valueOf(a);
    BigInteger bigP = BigInteger.valueOf(p);
    BigInteger bigQ = BigInteger.valueOf(q);
    BigInteger gcd = bigP.gcd(bigQ);
    BigInteger difference = BigInteger.valueOf(b).subtract(bigA);
    if (difference.mod(gcd).signum() != 0) {
      return null;
    }
    // a + p·t ≡ b (mod q)  ⇔  (p/g)·t ≡ (b - a)/g (mod q/g)
    BigInteger modulus = bigQ.divide(gcd);
    BigInteger t = modulus.equals(BigInteger.ONE) ? BigInteger.ZERO
        : difference.divide(gcd).multiply(bigP.divide(gcd).modInverse(modulus)).mod(modulus);
    BigInteger lcm = bigP.divide(gcd).multiply(bigQ);
    BigInteger x = bigA.add(bigP.multiply(t));
    BigInteger floor = BigInteger.valueOf(Math.max(a, b));
    if (x.compareTo(floor) < 0) {
      BigInteger steps = floor.subtract(x).add(lcm).subtract(BigInteger.ONE).divide(lcm);
      x = x.add(steps.multiply(lcm));
    }
    return x.compareTo(BigInteger.valueOf(Math.min(maxA, maxB))) <= 0 ? x.longValueExact() : null;
  }
}
