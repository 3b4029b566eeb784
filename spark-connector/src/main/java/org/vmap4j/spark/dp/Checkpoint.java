package org.vmap4j.spark.dp;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The state a {@link DpSgd} run resumes from after {@code stepsDone} steps: flat parameters, the
 * momentum velocity, the master seed, and the accountant's history (every step so far used the same
 * noise multiplier and sample rate, so {@code (sigma, q, stepsDone)} is the whole history). One
 * file, {@code dpsgd-checkpoint.bin} in the directory, replaced atomically at each checkpoint. It
 * holds the master seed, which decides the samples: store it as securely as the data.
 */
record Checkpoint(
    long stepsDone,
    long masterSeed,
    double noiseMultiplier,
    double sampleRate,
    double[] params,
    double[] velocity) {
  static final String FILE = "dpsgd-checkpoint.bin";
  private static final int MAGIC = 0x44505347; // "DPSG"
  private static final int VERSION = 1;

  void writeTo(Path dir) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(FILE + ".tmp");
      try (OutputStream o = Files.newOutputStream(tmp);
          DataOutputStream out = new DataOutputStream(o)) {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(stepsDone);
        out.writeLong(masterSeed);
        out.writeDouble(noiseMultiplier);
        out.writeDouble(sampleRate);
        writeArray(out, params);
        writeArray(out, velocity);
      }
      Files.move(
          tmp,
          dir.resolve(FILE),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("DpSgd: cannot write the checkpoint in " + dir, e);
    }
  }

  static Checkpoint readFrom(Path dir) {
    Path file = dir.resolve(FILE);
    try (InputStream i = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(i)) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("DpSgd: " + file + " is not a DpSgd checkpoint");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "DpSgd: " + file + " has checkpoint version " + version + ", expected " + VERSION);
      }
      return new Checkpoint(
          in.readLong(),
          in.readLong(),
          in.readDouble(),
          in.readDouble(),
          readArray(in),
          readArray(in));
    } catch (IOException e) {
      throw new UncheckedIOException("DpSgd: cannot read the checkpoint " + file, e);
    }
  }

  private static void writeArray(DataOutputStream out, double[] v) throws IOException {
    out.writeInt(v.length);
    for (double x : v) {
      out.writeDouble(x);
    }
  }

  private static double[] readArray(DataInputStream in) throws IOException {
    double[] v = new double[in.readInt()];
    for (int i = 0; i < v.length; i++) {
      v[i] = in.readDouble();
    }
    return v;
  }
}
