#!/bin/sh
# Runs the agent's sweep from environment variables (docker --env-file, a Kubernetes Secret), so the
# token is never written into an image, a compose file, a pod spec or a command line: the agent reads
# $NEURALPOWER_TOKEN itself. The sweep exits once its outbox is drained; the container then sleeps
# and sweeps again after NEURALPOWER_RESWEEP_S seconds (default a day; 0 = exit after one sweep), so
# a DaemonSet pod or a `--restart unless-stopped` container stays up instead of restart-looping.
set -eu
: "${NEURALPOWER_COLLECTOR_URL:?set NEURALPOWER_COLLECTOR_URL, e.g. ws://collector:7070}"
: "${NEURALPOWER_TOKEN:?set NEURALPOWER_TOKEN to a token from neuralpower collector token create}"
resweep_s="${NEURALPOWER_RESWEEP_S:-86400}"
case "$resweep_s" in
  '' | *[!0-9]*) echo "NEURALPOWER_RESWEEP_S must be a whole number of seconds (got '$resweep_s')" >&2; exit 2 ;;
esac
while :; do
  # NEURALPOWER_SWEEP_ARGS is split into words on purpose: it holds the sweep's options.
  # shellcheck disable=SC2086
  node /opt/neuralpower/bin/neuralpower.js agent sweep \
    --collector "$NEURALPOWER_COLLECTOR_URL" \
    --gpu "${NEURALPOWER_GPU:-all}" \
    --state-dir "${NEURALPOWER_STATE_DIR:-/var/lib/neuralpower-agent}" \
    ${NEURALPOWER_SWEEP_ARGS:-} "$@"
  [ "$resweep_s" -eq 0 ] && exit 0
  sleep "$resweep_s"
done
