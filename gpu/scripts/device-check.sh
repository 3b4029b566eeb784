#!/usr/bin/env bash
# Device check for the GPU backend (docs/gpu.md).
#
#   gpu/scripts/device-check.sh prepare   # here, with the JDK and Maven's offline repository:
#                                         # builds gpu/device-check/ (git-ignored, <= 64 MiB):
#                                         # a jlink runtime and the jars of the gpu module's tests
#   gpu/scripts/device-check.sh run       # on the GPU machine (no internet, maybe no Java):
#                                         # GPU tests one class at a time, then the benchmark,
#                                         # then gpu/scripts/torch_compare.py where python3 has
#                                         # a CUDA torch; prints a short table last. About five
#                                         # minutes.
#
# Carry gpu/device-check to the GPU machine with the working tree.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/gpu/device-check"
LIMIT_MIB=64
CLASSES=(CudaBackendTest ptx.IndexMathTest cublas.CublasAvailabilityTest GpuRuntimeTest GpuKernelsTest GpuF64MathTest
  GpuProgramsTest GpuIndexPrimitivesTest GpuIntegerKernelsTest)

prepare() {
  cd "$ROOT"
  ./mvnw -B -q -o -pl gpu -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/device-check-classpath.txt
  rm -rf "$OUT"
  mkdir -p "$OUT/lib"
  tr ':' '\n' < gpu/target/device-check-classpath.txt | while read -r entry; do
    case "$entry" in
      *.jar) cp "$entry" "$OUT/lib/" ;;
      */core/target/test-classes) jar cf "$OUT/lib/vmap4j-core-tests.jar" -C "$entry" . ;;
      */core/target/classes) jar cf "$OUT/lib/vmap4j-core.jar" -C "$entry" . ;;
      "") ;;
      *) echo "unexpected classpath entry: $entry" >&2; exit 1 ;;
    esac
  done
  jar cf "$OUT/lib/vmap4j-gpu.jar" -C gpu/target/classes .
  jar cf "$OUT/lib/vmap4j-gpu-tests.jar" -C gpu/target/test-classes .
  # Not needed by the GPU run, and together over half the size limit: jqwik (property tests),
  # byte-buddy (AssertJ's soft-assertion proxies).
  rm -f "$OUT"/lib/jqwik-*.jar "$OUT"/lib/byte-buddy-*.jar "$OUT"/lib/*-sources.jar
  # jdeps also lists java.desktop (java.beans, which Jackson uses only if present), java.instrument
  # (byte-buddy) and java.sql (AssertJ's date asserts, unused); the run step below checks that
  # everything runs without them, which keeps the runtime well under the limit.
  local modules="java.base,java.logging,java.management,jdk.unsupported,jdk.incubator.vector"
  echo "jdeps would add: $(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps \
    --class-path "$OUT/lib/*" "$OUT"/lib/*.jar 2>/dev/null | tail -n 1)"
  echo "jlink modules: $modules"
  local jdk
  jdk="$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")"
  jlink --module-path "$jdk/jmods" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=2 --output "$OUT/jre"
  local bytes mib
  bytes="$(du -sb "$OUT" | cut -f1)"
  mib=$(( (bytes + 1048575) / 1048576 ))
  echo "device-check folder: $OUT, $bytes bytes (${mib} MiB; limit ${LIMIT_MIB} MiB)"
  du -sh "$OUT/jre" "$OUT/lib"
  if (( bytes > LIMIT_MIB * 1048576 )); then
    echo "FAIL: the folder is over ${LIMIT_MIB} MiB" >&2
    exit 1
  fi
}

run() {
  local java="$OUT/jre/bin/java"
  if [[ ! -x "$java" ]]; then
    echo "no runtime in $OUT/jre: run '$0 prepare' first (on a machine with a JDK)" >&2
    exit 2
  fi
  local cp="$OUT/lib/*"
  local opts=(-Xmx16g --add-modules jdk.incubator.vector -Djava.io.tmpdir="${TMPDIR:-/tmp}")
  local log
  log="$(mktemp -d)"
  command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "nvidia-smi: not found"
  local status=0
  # One class at a time, so that a crash in one (a driver fault) still lets the others report.
  # The first two need no GPU: they show that this runtime and these jars are complete.
  for cls in "${CLASSES[@]}"; do
    echo "==== $cls"
    if ! timeout 200 "$java" "${opts[@]}" -cp "$cp" org.vmap4j.gpu.DeviceCheck "$cls" \
      > >(tee "$log/$cls.txt") 2>&1; then
      status=1
      echo "$cls: exited non-zero (see above)" | tee -a "$log/$cls.txt"
    fi
  done
  echo "==== benchmark"
  timeout 150 "$java" "${opts[@]}" -cp "$cp" org.vmap4j.gpu.GpuBenchmark \
    > >(tee "$log/bench.txt") 2>&1 || { status=1; echo "benchmark: exited non-zero" | tee -a "$log/bench.txt"; }
  # PyTorch on the same GPU, in the same call, so that every ratio compares one machine's figures
  echo "==== torch"
  if command -v python3 >/dev/null && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    timeout 150 python3 "$ROOT/gpu/scripts/torch_compare.py" > >(tee "$log/torch.txt") 2>&1 \
      || echo "torch_compare.py: exited non-zero" | tee -a "$log/torch.txt"
  else
    echo "not run: no python3 with a CUDA-enabled torch here" | tee "$log/torch.txt"
  fi
  sleep 1
  echo
  echo "================ device check summary"
  for cls in "${CLASSES[@]}"; do
    grep -E "^$cls +pass|exited non-zero" "$log/$cls.txt" || echo "$cls: no summary (crashed?)"
  done
  grep -h -E "^FAIL " "$log"/*.txt | cut -c1-200 || true
  sed -n '/^---- benchmark/,$p' "$log/bench.txt"
  echo "---- torch (same GPU)"
  tail -n 12 "$log/torch.txt"
  exit "$status"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
