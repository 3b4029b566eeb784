package org.vmap4j.spark.connect;

import java.util.Arrays;
import java.util.Optional;

/**
 * Reads a serialized {@code google.protobuf.Any} (what Spark Connect hands an extension plugin):
 * field 1, the type URL, and field 2, the value. Read by hand from the protobuf wire format so the
 * connector needs no protobuf classes (Spark Connect's are shaded and differ between server and
 * client). Unknown fields are skipped as the wire format allows; malformed bytes are an {@link
 * IllegalArgumentException} naming the offset.
 */
final class ProtoAny {
  private ProtoAny() {}

  /** The Any's value when its type URL is {@code typeUrl}; empty for any other type. */
  static Optional<byte[]> unpack(byte[] any, String typeUrl) {
    String url = "";
    byte[] value = new byte[0];
    int[] pos = {0};
    while (pos[0] < any.length) {
      long key = varint(any, pos);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      switch (wire) {
        case 0 -> varint(any, pos);
        case 1 -> skip(any, pos, 8);
        case 5 -> skip(any, pos, 4);
        case 2 -> {
          long n = varint(any, pos);
          if (n < 0 || n > any.length - pos[0]) {
            throw bad(pos[0], "a field of " + n + " bytes, " + (any.length - pos[0]) + " remain");
          }
          byte[] bytes = Arrays.copyOfRange(any, pos[0], pos[0] + (int) n);
          pos[0] += (int) n;
          if (field == 1) {
            url = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
          } else if (field == 2) {
            value = bytes;
          }
        }
        default -> throw bad(pos[0], "unknown wire type " + wire);
      }
    }
    return url.equals(typeUrl) ? Optional.of(value) : Optional.empty();
  }

  private static long varint(byte[] b, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= b.length) {
        throw bad(pos[0], "a varint runs past the end");
      }
      byte x = b[pos[0]++];
      result |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
    throw bad(pos[0], "a varint longer than 10 bytes");
  }

  private static void skip(byte[] b, int[] pos, int n) {
    if (b.length - pos[0] < n) {
      throw bad(pos[0], "a fixed field runs past the end");
    }
    pos[0] += n;
  }

  private static IllegalArgumentException bad(int offset, String why) {
    return new IllegalArgumentException(
        "vmap4j Spark Connect: malformed protobuf Any at byte " + offset + ": " + why);
  }
}
