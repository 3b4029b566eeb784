package org.vmap4j.spark.dp;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.vmap4j.Tensor;
import org.vmap4j.nn.SafeTensors;

/**
 * The state a {@link DpSgd} run resumes from after {@code stepsDone} steps. On disk, one folder per
 * checkpoint, {@code step-<n>}, and a file {@code latest} naming the newest:
 *
 * <ul>
 *   <li>{@code params.safetensors}: the parameters, one F64 tensor per pytree leaf, named by its
 *       path ({@code w}, {@code b}; {@code params} for a single tensor), loadable by any
 *       safetensors reader;
 *   <li>{@code optimizer.safetensors}: the optimizer's state vectors (SGD's {@code velocity}, or
 *       Adam's {@code adam_m} and {@code adam_v}), flat, and its name as metadata;
 *   <li>{@code state.properties}: step count, master seed (and the insecure test noise seed, if
 *       any), and the accountant's history: every step so far used the same noise multiplier and
 *       sample rate, so {@code (sigma, q, stepsDone)} is all of it.
 * </ul>
 *
 * A checkpoint is written to a temporary folder, renamed, and only then made {@code latest}
 * (atomically), so a crash while writing leaves the previous checkpoint intact. The master seed
 * decides the samples: store checkpoints as securely as the data.
 */
record Checkpoint(
    long stepsDone,
    long masterSeed,
    Long insecureNoiseSeed,
    double noiseMultiplier,
    double sampleRate,
    Accounting accounting,
    String optimizer,
    double[] params,
    Map<String, double[]> optimizerState) {
  static final String LATEST = "latest";
  static final String PARAMS = "params.safetensors";
  static final String OPTIMIZER = "optimizer.safetensors";
  static final String STATE = "state.properties";
  static final String FORMAT = "vmap4j-dpsgd-checkpoint-1";

  /** Writes {@code step-<stepsDone>} in {@code dir}, points {@code latest} at it, drops others. */
  void writeTo(Path dir, FlatParameters layout) {
    String name = String.format("step-%012d", stepsDone);
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(".writing-" + name);
      deleteTree(tmp);
      Files.createDirectories(tmp);
      SafeTensors.save(tmp.resolve(PARAMS), leaves(layout), Map.of("format", FORMAT));
      Map<String, Tensor> state = new LinkedHashMap<>();
      optimizerState.forEach((k, v) -> state.put(k, Tensor.of(v.clone(), v.length)));
      SafeTensors.save(tmp.resolve(OPTIMIZER), state, Map.of("optimizer", optimizer));
      writeState(tmp.resolve(STATE));
      Path target = dir.resolve(name);
      deleteTree(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      Path latestTmp = dir.resolve(LATEST + ".tmp");
      Files.writeString(latestTmp, name + "\n", StandardCharsets.UTF_8);
      Files.move(
          latestTmp,
          dir.resolve(LATEST),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      try (Stream<Path> old = Files.list(dir)) {
        for (Path p : old.toList()) {
          String n = p.getFileName().toString();
          if (n.startsWith("step-") && !n.equals(name)) {
            deleteTree(p);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("DpSgd: cannot write the checkpoint in " + dir, e);
    }
  }

  /** The checkpoint {@code dir/latest} names, its parameters checked against {@code layout}. */
  static Checkpoint readFrom(Path dir, FlatParameters layout) {
    Path latest = dir.resolve(LATEST);
    String name;
    try {
      name = Files.readString(latest, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "DpSgd: no checkpoint in "
              + dir
              + ": the file "
              + latest
              + " is missing (checkpointEvery(k, dir) writes it)");
    } catch (IOException e) {
      throw new UncheckedIOException("DpSgd: cannot read " + latest, e);
    }
    Path folder = dir.resolve(name);
    Properties p = readState(folder.resolve(STATE));
    Path stateFile = folder.resolve(STATE);
    String format = required(p, stateFile, "format");
    if (!format.equals(FORMAT)) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file "
              + stateFile
              + " has format \""
              + format
              + "\", expected \""
              + FORMAT
              + "\"");
    }
    long steps = longValue(p, stateFile, "stepsDone");
    long accountedSteps = longValue(p, stateFile, "accountant.steps");
    if (accountedSteps != steps) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file "
              + stateFile
              + ": accountant.steps "
              + accountedSteps
              + " differs from stepsDone "
              + steps);
    }
    String noiseSeed = p.getProperty("insecureNoiseSeed");
    String optimizer = required(p, stateFile, "optimizer");
    String accounting = required(p, stateFile, "accountant");
    Accounting kind;
    try {
      kind = Accounting.valueOf(accounting);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file "
              + stateFile
              + ": key \"accountant\" is \""
              + accounting
              + "\", expected one of "
              + Arrays.toString(Accounting.values()));
    }
    return new Checkpoint(
        steps,
        longValue(p, stateFile, "masterSeed"),
        noiseSeed == null ? null : parseLong(noiseSeed, stateFile, "insecureNoiseSeed"),
        doubleValue(p, stateFile, "accountant.noiseMultiplier"),
        doubleValue(p, stateFile, "accountant.sampleRate"),
        kind,
        optimizer,
        readParams(folder.resolve(PARAMS), layout),
        readOptimizer(folder.resolve(OPTIMIZER), optimizer, layout.size()));
  }

  private Map<String, Tensor> leaves(FlatParameters layout) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    int at = 0;
    for (int i = 0; i < layout.leafCount(); i++) {
      int[] shape = layout.leafShape(i);
      int n = Math.toIntExact(Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b));
      double[] part = Arrays.copyOfRange(params, at, at + n);
      at += n;
      out.put(
          layout.leafName(i), shape.length == 0 ? Tensor.scalar(part[0]) : Tensor.of(part, shape));
    }
    return out;
  }

  private static double[] readParams(Path file, FlatParameters layout) {
    Map<String, Tensor> tensors = load(file);
    double[] flat = new double[layout.size()];
    int at = 0;
    for (int i = 0; i < layout.leafCount(); i++) {
      String key = layout.leafName(i);
      Tensor t = tensors.get(key);
      if (t == null) {
        throw new IllegalArgumentException(
            "DpSgd: checkpoint file "
                + file
                + " lacks the tensor \""
                + key
                + "\" (it has "
                + tensors.keySet()
                + "): was it written for other parameters?");
      }
      int[] shape = layout.leafShape(i);
      if (!Arrays.equals(t.shape(), shape)) {
        throw new IllegalArgumentException(
            "DpSgd: checkpoint file "
                + file
                + ": tensor \""
                + key
                + "\" has shape "
                + Arrays.toString(t.shape())
                + ", the initial parameters' leaf has "
                + Arrays.toString(shape));
      }
      double[] v = t.toDoubleArray();
      System.arraycopy(v, 0, flat, at, v.length);
      at += v.length;
    }
    if (tensors.size() != layout.leafCount()) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file "
              + file
              + " has "
              + tensors.size()
              + " tensors "
              + tensors.keySet()
              + ", the initial parameters have "
              + layout.leafCount()
              + " leaves");
    }
    return flat;
  }

  private static Map<String, double[]> readOptimizer(Path file, String optimizer, int size) {
    List<String> names = stateNames(optimizer, file);
    Map<String, Tensor> tensors = load(file);
    Map<String, double[]> out = new LinkedHashMap<>();
    for (String key : names) {
      Tensor t = tensors.get(key);
      if (t == null) {
        throw new IllegalArgumentException(
            "DpSgd: checkpoint file "
                + file
                + " lacks the "
                + optimizer
                + " state \""
                + key
                + "\"");
      }
      if (t.shape().length != 1 || t.shape()[0] != size) {
        throw new IllegalArgumentException(
            "DpSgd: checkpoint file "
                + file
                + ": \""
                + key
                + "\" has shape "
                + Arrays.toString(t.shape())
                + ", expected ["
                + size
                + "]");
      }
      out.put(key, t.toDoubleArray());
    }
    return out;
  }

  private static List<String> stateNames(String optimizer, Path file) {
    return switch (optimizer) {
      case MomentumSgd.NAME -> List.of(MomentumSgd.VELOCITY);
      case Adam.NAME -> List.of(Adam.FIRST_MOMENT, Adam.SECOND_MOMENT);
      default ->
          throw new IllegalArgumentException(
              "DpSgd: checkpoint of "
                  + file.getParent()
                  + ": unknown optimizer \""
                  + optimizer
                  + "\"");
    };
  }

  private static Map<String, Tensor> load(Path file) {
    try {
      return SafeTensors.load(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("DpSgd: checkpoint file " + file + " is missing");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DpSgd: checkpoint file is damaged: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("DpSgd: cannot read the checkpoint file " + file, e);
    }
  }

  private void writeState(Path file) throws IOException {
    Properties p = new Properties();
    p.setProperty("format", FORMAT);
    p.setProperty("stepsDone", Long.toString(stepsDone));
    p.setProperty("masterSeed", Long.toString(masterSeed));
    if (insecureNoiseSeed != null) {
      p.setProperty("insecureNoiseSeed", Long.toString(insecureNoiseSeed));
    }
    p.setProperty("optimizer", optimizer);
    p.setProperty("accountant", accounting.name());
    // Double.toString round-trips exactly
    p.setProperty("accountant.noiseMultiplier", Double.toString(noiseMultiplier));
    p.setProperty("accountant.sampleRate", Double.toString(sampleRate));
    p.setProperty("accountant.steps", Long.toString(stepsDone));
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "DpSgd checkpoint: the master seed decides the samples; keep it secret");
    }
  }

  private static Properties readState(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("DpSgd: checkpoint file " + file + " is missing");
    } catch (IOException e) {
      throw new UncheckedIOException("DpSgd: cannot read the checkpoint file " + file, e);
    }
    return p;
  }

  private static String required(Properties p, Path file, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file " + file + " lacks the key \"" + key + "\"");
    }
    return v.trim();
  }

  private static long longValue(Properties p, Path file, String key) {
    return parseLong(required(p, file, key), file, key);
  }

  private static long parseLong(String v, Path file, String key) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file " + file + ": key \"" + key + "\" is not an integer: " + v);
    }
  }

  private static double doubleValue(Properties p, Path file, String key) {
    String v = required(p, file, key);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "DpSgd: checkpoint file " + file + ": key \"" + key + "\" is not a number: " + v);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
