package org.vmap4j.ir;

/**
 * A serialized program that {@link ProgramSerializer#fromUntrustedBytes} refuses: malformed bytes,
 * a limit of {@link ProgramLimits} exceeded, an unknown primitive or parameter tag, a parameter of
 * the wrong type, an equation whose shapes or dtypes its primitive's shape rule rejects, a variable
 * used before it is defined, or a format written by an incompatible vmap4j. The message says what
 * was wrong and where (byte offset, equation index and primitive, parameter) and, for a limit, the
 * limit and how to raise it. Nothing of the program has been compiled or run when it is thrown.
 */
public final class RejectedProgramException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public RejectedProgramException(String message) {
    super(message);
  }

  public RejectedProgramException(String message, Throwable cause) {
    super(message, cause);
  }
}
