#!/usr/bin/env bash
# The smallest -Xmx at which each row of ModelsPerSampleReductionsBenchmark (the CNN at B=256, the
# transformer block at B=64; issue 19) runs 5 calls without an OutOfMemoryError, each try in a
# fresh JVM (org.vmap4j.benchmarks.PerSampleMemory calls 5 <row>), climbing a ladder of heaps.
# A try that runs past TIMEOUT seconds of wall time (a heap so tight that the collector thrashes)
# counts as a failure. Usage: benchmarks/persample_memory_ladder.sh JAR [rows...]
set -u
jar=${1:?usage: persample_memory_ladder.sh JAR [rows...]}
shift
rows=("$@")
if [ ${#rows[@]} -eq 0 ]; then
  rows=(setup_only
        cnn_norms cnn_clipped_sum cnn_dot cnn_project_k1024 cnn_batch_gradient cnn_per_sample_grads
        transformer_norms transformer_clipped_sum transformer_dot transformer_project_k1024
        transformer_batch_gradient transformer_per_sample_grads)
fi
ladder=(${LADDER:-32m 64m 128m 256m 512m 1g 2g})
timeout_s=${TIMEOUT:-300}
for row in "${rows[@]}"; do
  found=none
  for xmx in "${ladder[@]}"; do
    out=$(timeout "$timeout_s" java --add-modules jdk.incubator.vector -Dvmap4j.threads=1 \
      -Xss8m -Xmx"$xmx" -cp "$jar" org.vmap4j.benchmarks.PerSampleMemory calls 5 "$row" 2>&1)
    rc=$?
    last=$(printf '%s\n' "$out" | grep -E '^(OK|OOM) |OutOfMemoryError' | tail -n 1)
    echo "  $row -Xmx$xmx: rc=$rc ${last:-$(printf '%s\n' "$out" | tail -n 1)}"
    if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "^OK $row"; then
      found=$xmx
      break
    fi
  done
  echo "$row smallest -Xmx: $found"
done
