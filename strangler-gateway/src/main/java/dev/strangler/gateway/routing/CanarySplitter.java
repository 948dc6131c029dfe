package dev.strangler.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides which side a canary request goes to. A key is hashed to a bucket 0..9999 and goes to
 * the new service iff its bucket is below {@code percent × 100}: the same key always lands on
 * the same side, and raising the percent only moves keys from legacy to new (monotone).
 */
public final class CanarySplitter {

  static final int BUCKETS = 10_000;

  private CanarySplitter() {}

  /** The bucket of a key, 0..9999; stable across processes and versions. */
  public static int bucket(String key) {
    // FNV-1a over the UTF-8 bytes, then the murmur3 finalizer to spread nearby keys
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, BUCKETS);
  }

  /**
   * Whether a request goes to the new service.
   *
   * @param key the sticky key, or null when the request has none (then the split is random)
   * @param percent the share for the new service, 0–100
   */
  public static boolean toNew(String key, double percent) {
    int threshold = threshold(percent);
    int bucket = key == null ? ThreadLocalRandom.current().nextInt(BUCKETS) : bucket(key);
    return bucket < threshold;
  }

  static int threshold(double percent) {
    return (int) Math.round(percent * 100);
  }
}
