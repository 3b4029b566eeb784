package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * DataFrame equality with a numeric tolerance and a readable diff: the equivalent of Spark Testing
 * Base's {@code assertDataFrameApproximateEquals} (not available for Spark 4 / Scala 2.13 here).
 * Rows are compared in order (this module promises to keep row order), values recursively: numbers
 * within {@code |a - b| <= tol * max(1, |a|, |b|)}, NaN equal to NaN, arrays (Java arrays, Scala
 * sequences, lists) element by element, nested rows field by field, everything else by equals.
 */
public final class DataFrameAssertions {
  private DataFrameAssertions() {}

  /** Asserts equal schemas (names and types) and equal rows in order. */
  public static void assertDataFrameEquals(Dataset<Row> expected, Dataset<Row> actual, double tol) {
    StructType e = expected.schema();
    StructType a = actual.schema();
    if (!sameNamesAndTypes(e, a)) {
      throw new AssertionError(
          "schemas differ:\n  expected " + e.simpleString() + "\n  actual   " + a.simpleString());
    }
    assertRowsEqual(expected.collectAsList(), actual.collectAsList(), e.fieldNames(), tol);
  }

  /** Asserts equal rows, in order; {@code names} label the columns in the diff. */
  public static void assertRowsEqual(
      List<Row> expected, List<Row> actual, String[] names, double tol) {
    List<String> diffs = new ArrayList<>();
    if (expected.size() != actual.size()) {
      diffs.add("row count: expected " + expected.size() + " but was " + actual.size());
    }
    int n = Math.min(expected.size(), actual.size());
    for (int r = 0; r < n && diffs.size() < 10; r++) {
      Row e = expected.get(r);
      Row a = actual.get(r);
      if (e.size() != a.size()) {
        diffs.add("row " + r + ": expected " + e.size() + " columns but was " + a.size());
        continue;
      }
      for (int c = 0; c < e.size(); c++) {
        String where = "row " + r + ", column '" + (c < names.length ? names[c] : "#" + c) + "'";
        String d = diff(e.get(c), a.get(c), tol, "");
        if (d != null) {
          diffs.add(
              where
                  + d
                  + "\n      expected "
                  + show(e.get(c))
                  + "\n      actual   "
                  + show(a.get(c)));
        }
      }
    }
    if (!diffs.isEmpty()) {
      throw new AssertionError(
          "DataFrames differ (tolerance "
              + tol
              + "), first differences:\n  "
              + String.join("\n  ", diffs));
    }
  }

  private static boolean sameNamesAndTypes(StructType e, StructType a) {
    if (e.fields().length != a.fields().length) {
      return false;
    }
    for (int i = 0; i < e.fields().length; i++) {
      if (!e.fields()[i].name().equals(a.fields()[i].name())
          || !e.fields()[i].dataType().sameType(a.fields()[i].dataType())) {
        return false;
      }
    }
    return true;
  }

  private static List<?> asList(Object v) {
    if (v instanceof List<?> l) {
      return l;
    }
    if (v instanceof scala.collection.Seq<?> s) {
      return scala.jdk.javaapi.CollectionConverters.asJava(s);
    }
    if (v != null && v.getClass().isArray()) {
      int n = java.lang.reflect.Array.getLength(v);
      List<Object> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(java.lang.reflect.Array.get(v, i));
      }
      return out;
    }
    return null;
  }

  /** Null when equal, else where inside the value they differ. */
  static String diff(Object e, Object a, double tol, String path) {
    if (e == null || a == null) {
      return e == a ? null : path + ": one is null";
    }
    if (e instanceof Number x && a instanceof Number y) {
      double p = x.doubleValue();
      double q = y.doubleValue();
      if (Double.isNaN(p) && Double.isNaN(q)) {
        return null;
      }
      double scale = Math.max(1, Math.max(Math.abs(p), Math.abs(q)));
      return p == q || Math.abs(p - q) <= tol * scale
          ? null
          : path + ": " + p + " vs " + q + " (|diff| " + Math.abs(p - q) + ")";
    }
    List<?> le = asList(e);
    List<?> la = asList(a);
    if (le != null && la != null) {
      if (le.size() != la.size()) {
        return path + ": length " + le.size() + " vs " + la.size();
      }
      for (int i = 0; i < le.size(); i++) {
        String d = diff(le.get(i), la.get(i), tol, path + "[" + i + "]");
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (e instanceof Row re && a instanceof Row ra) {
      if (re.size() != ra.size()) {
        return path + ": struct of " + re.size() + " vs " + ra.size() + " fields";
      }
      for (int i = 0; i < re.size(); i++) {
        String d = diff(re.get(i), ra.get(i), tol, path + "." + i);
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    return e.equals(a) ? null : path + ": " + e + " vs " + a;
  }

  private static String show(Object v) {
    List<?> l = asList(v);
    String s = l != null ? l.toString() : String.valueOf(v);
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
