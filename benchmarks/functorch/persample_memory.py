#!/usr/bin/python3
"""functorch's peak memory for the rows of persample_bench.py --models (issue 17's CNN at B=256,
the transformer block at B=64; issue 19): the companion of org.vmap4j.benchmarks.PerSampleMemory.

Each row runs in a fresh process (this script starts one per row): it builds the workloads, reads
its peak resident set size (resource.getrusage(RUSAGE_SELF).ru_maxrss, KiB on Linux), calls the
row 5 times, and reads the peak again. The difference is the row's own peak above the set-up
process (torch, both models, the data); the peak includes the libraries, so it is not comparable
to a JVM heap limit, only the difference is. One thread.

Run with Debian's interpreter (PyTorch 1.13 + functorch):
    /usr/bin/python3 benchmarks/functorch/persample_memory.py [rows...]
"""
import os
import resource
import subprocess
import sys

ROWS = ["setup_only",
        "cnn_norms", "cnn_clipped_sum", "cnn_dot", "cnn_project_k1024", "cnn_batch_gradient",
        "cnn_per_sample_grads",
        "transformer_norms", "transformer_clipped_sum", "transformer_dot",
        "transformer_project_k1024", "transformer_batch_gradient",
        "transformer_per_sample_grads"]


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_row(row):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import persample_bench
    workloads = dict(persample_bench.models())
    before = peak_mib()
    if row != "setup_only":
        for _ in range(5):
            workloads[row]()
    after = peak_mib()
    print(f"{row}: peak RSS after set-up {before:.1f} MiB, after 5 calls {after:.1f} MiB,"
          f" row's own peak {after - before:.1f} MiB", flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        one_row(sys.argv[2])
        return
    for row in sys.argv[1:] or ROWS:
        subprocess.run([sys.executable, os.path.abspath(__file__), "--one", row], check=True)


if __name__ == "__main__":
    main()
