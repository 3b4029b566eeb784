package org.vmap4j.spark.connect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramLimits;
import org.vmap4j.ir.ProgramSerializer;

/**
 * A program a Spark Connect client traced and sent: bytes from an untrusted source, read through
 * {@link #read(byte[])} only. Serializable (the bytes travel, the program is re-read where it
 * runs), so it can stand in for the user's function inside a classic {@code VmapUdf}.
 */
final class ClientProgram implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] bytes;
  private transient Program program;

  ClientProgram(byte[] bytes) {
    this.bytes = bytes;
    this.program = read(bytes);
  }

  /**
   * The one place where the server turns client bytes into a program: bounded and validated ({@link
   * ProgramLimits#defaults()}: sizes, constants, types and shapes), a version mismatch named with
   * both versions; anything else is a {@link org.vmap4j.ir.RejectedProgramException}.
   */
  static Program read(byte[] bytes) {
    return ProgramSerializer.fromUntrustedBytes(bytes, ProgramLimits.defaults());
  }

  Program program() {
    if (program == null) {
      program = read(bytes);
    }
    return program;
  }

  /**
   * Runs the program on {@code fixed} (the constants' leaves) then {@code perExample} (one tensor
   * per argument), after checking each argument against the type the client traced it at.
   */
  List<Tensor> run(List<Tensor> fixed, List<String> names, List<Tensor> perExample) {
    Program p = program();
    List<TensorType> types = p.inputTypes();
    if (types.size() != fixed.size() + perExample.size()) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: the client's program takes "
              + types.size()
              + " inputs, the call gives "
              + fixed.size()
              + " constants and "
              + perExample.size()
              + " arguments");
    }
    List<Tensor> in = new ArrayList<>(fixed);
    for (int i = 0; i < perExample.size(); i++) {
      TensorType want = types.get(fixed.size() + i);
      Tensor got = perExample.get(i);
      if (got.dtype() != want.dtype() || !Arrays.equals(got.shape(), want.shape())) {
        throw new IllegalArgumentException(
            "vmap4j Spark Connect: argument '"
                + names.get(i)
                + "' is "
                + got.dtype().shortName()
                + Arrays.toString(got.shape())
                + " per example, but the client traced the function at "
                + want.dtype().shortName()
                + Arrays.toString(want.shape())
                + "; declare the argument's dtype and shape on the client to match the column"
                + " (e.g. .dtype(0, DType."
                + got.dtype().name()
                + ")), or cast the column");
      }
      in.add(got);
    }
    return p.evaluate(in);
  }
}
