package org.vmap4j.ir;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Makes fuzz cases from valid serialized programs: random bytes, bit flips, truncations, splices of
 * one program into another, and inflated length fields (a count or length replaced by a huge,
 * negative or off-by-some value), each case determined by its seed.
 */
final class ProgramMutator {
  private static final int[] INFLATED = {
    Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 1 << 30, 1 << 24, 65_535, 1_000_000,
  };

  private final List<byte[]> corpus;

  ProgramMutator(List<byte[]> corpus) {
    this.corpus = corpus;
  }

  /** The case for this seed, with a short description of what was done. */
  Case make(long seed) {
    Random r = new Random(seed);
    byte[] base = corpus.get(r.nextInt(corpus.size()));
    int kind = r.nextInt(6);
    return switch (kind) {
      case 0 -> randomBytes(r, base);
      case 1 -> bitFlips(r, base);
      case 2 -> truncation(r, base);
      case 3 -> splice(r, base);
      default -> inflatedInt(r, base);
    };
  }

  record Case(String description, byte[] bytes) {}

  private static Case randomBytes(Random r, byte[] base) {
    byte[] b = new byte[r.nextInt(200)];
    r.nextBytes(b);
    if (r.nextBoolean() && b.length >= 24) {
      // past the header check, so the body parser sees the garbage
      System.arraycopy(base, 0, b, 0, 24);
    }
    return new Case("random " + b.length + " bytes", b);
  }

  private static Case bitFlips(Random r, byte[] base) {
    byte[] b = base.clone();
    int n = 1 + r.nextInt(8);
    StringBuilder at = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int pos = r.nextInt(b.length);
      b[pos] ^= (byte) (1 << r.nextInt(8));
      at.append(' ').append(pos);
    }
    return new Case(n + " bit flips at" + at, b);
  }

  private static Case truncation(Random r, byte[] base) {
    int length = r.nextInt(base.length);
    return new Case("truncated to " + length, Arrays.copyOf(base, length));
  }

  private Case splice(Random r, byte[] base) {
    byte[] other = corpus.get(r.nextInt(corpus.size()));
    int cut = r.nextInt(base.length);
    int from = r.nextInt(other.length);
    int length = r.nextInt(other.length - from + 1);
    byte[] b = new byte[cut + length + (base.length - cut) / 2];
    System.arraycopy(base, 0, b, 0, cut);
    System.arraycopy(other, from, b, cut, length);
    int tail = base.length - b.length + cut + length;
    System.arraycopy(base, tail, b, cut + length, base.length - tail);
    return new Case("splice at " + cut + " of " + length + " bytes from " + from, b);
  }

  private static Case inflatedInt(Random r, byte[] base) {
    byte[] b = base.clone();
    int pos = r.nextInt(b.length - 3);
    ByteBuffer buf = ByteBuffer.wrap(b);
    int old = buf.getInt(pos);
    int value =
        r.nextBoolean()
            ? INFLATED[r.nextInt(INFLATED.length)]
            : old + (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(3));
    buf.putInt(pos, value);
    return new Case("int at " + pos + " from " + old + " to " + value, b);
  }
}
