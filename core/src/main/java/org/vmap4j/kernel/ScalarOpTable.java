package org.vmap4j.kernel;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * One backend's renderers of scalar operations, one row per {@link ScalarOp} (the lowering
 * registry). Each backend module builds its own table: the CPU's Java expressions
 * (org.vmap4j.cpu.JavaScalarOps), the GPU's PTX instructions (the gpu module's PtxScalarOps). A
 * missing row is an answer ("this backend has no X"), not an error: placement turns it into a
 * reason to run the step elsewhere.
 *
 * @param <R> the backend's row type
 */
public final class ScalarOpTable<R> {
  private final String backend;
  private final Map<ScalarOp, R> rows;

  private ScalarOpTable(String backend, Map<ScalarOp, R> rows) {
    this.backend = backend;
    this.rows = rows;
  }

  /** A table for {@code backend} (its name appears in the reasons this table gives). */
  public static <R> Builder<R> builder(String backend) {
    return new Builder<>(backend);
  }

  /** The row of {@code op}, or null when this backend has none. */
  public R row(ScalarOp op) {
    return rows.get(op);
  }

  /** Why this table cannot render {@code op}, or null when it has a row for it. */
  public String missing(ScalarOp op) {
    return rows.containsKey(op)
        ? null
        : "the " + backend + " backend has no renderer for scalar operation " + op;
  }

  /** The operations this table has no row for. */
  public Set<ScalarOp> missing() {
    Set<ScalarOp> out = EnumSet.allOf(ScalarOp.class);
    out.removeAll(rows.keySet());
    return out;
  }

  /** Collects rows; each operation at most once. */
  public static final class Builder<R> {
    private final String backend;
    private final Map<ScalarOp, R> rows = new EnumMap<>(ScalarOp.class);

    private Builder(String backend) {
      this.backend = backend;
    }

    /** Adds the row of {@code op}. @throws IllegalStateException if {@code op} has one already */
    public Builder<R> add(ScalarOp op, R row) {
      if (rows.putIfAbsent(op, row) != null) {
        throw new IllegalStateException(backend + ": two rows for scalar operation " + op);
      }
      return this;
    }

    /** Adds the same row for several operations (e.g. the six comparisons). */
    public Builder<R> add(R row, ScalarOp... ops) {
      for (ScalarOp op : ops) {
        add(op, row);
      }
      return this;
    }

    public ScalarOpTable<R> build() {
      return new ScalarOpTable<>(backend, new EnumMap<>(rows));
    }
  }
}
