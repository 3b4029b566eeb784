package org.vmap4j.spark.executor;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import org.vmap4j.Tensor;

/**
 * The {@code Map<String, Tensor>} a one-argument function of several columns receives. Reading a
 * key that is not one of the columns is an error that lists them (a plain map would return null,
 * and the function fail later with a NullPointerException): the driver runs the function once
 * before any job, so a misspelled key fails there.
 */
final class ColumnMap extends AbstractMap<String, Tensor> {
  private final Map<String, Tensor> columns;

  ColumnMap(Map<String, Tensor> columns) {
    this.columns = columns;
  }

  @Override
  public Tensor get(Object key) {
    Tensor t = columns.get(key);
    if (t == null) {
      throw new IllegalArgumentException(
          "vmapUdf: the function reads the map key '"
              + key
              + "', but its argument has the keys "
              + columns.keySet()
              + " (one per input column, under the names inputColumns(...) gives, or the argument"
              + " columns' own names); fix the key or the column names");
    }
    return t;
  }

  @Override
  public Tensor getOrDefault(Object key, Tensor defaultValue) {
    return columns.getOrDefault(key, defaultValue);
  }

  @Override
  public boolean containsKey(Object key) {
    return columns.containsKey(key);
  }

  @Override
  public Set<Entry<String, Tensor>> entrySet() {
    return java.util.Collections.unmodifiableMap(columns).entrySet();
  }
}
