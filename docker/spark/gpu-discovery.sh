#!/usr/bin/env bash
# Spark's resource discovery script for a worker's NVIDIA GPUs (spark.worker.resource.gpu
# .discoveryScript): prints the GPUs' indices as the JSON Spark expects, e.g.
#   {"name": "gpu", "addresses": ["0","1"]}
# nvidia-smi is what the NVIDIA container runtime puts into a container that reserves a GPU.
set -euo pipefail
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
addresses=$(printf '%s\n' "$indices" | awk 'NF { gsub(/ /, ""); printf "%s\"%s\"", (n++ ? "," : ""), $0 }')
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
