#!/bin/sh
# Starts the agent from environment variables (docker --env-file, a Kubernetes Secret), so the
# token never has to be written into an image, a compose file or a pod spec.
set -eu
: "${NEURALPOWER_COLLECTOR_URL:?set NEURALPOWER_COLLECTOR_URL, e.g. ws://collector:7070}"
: "${NEURALPOWER_TOKEN:?set NEURALPOWER_TOKEN to a token from neuralpower collector token create}"
exec node /opt/neuralpower/bin/neuralpower.js agent \
  --collector "$NEURALPOWER_COLLECTOR_URL" \
  --token "$NEURALPOWER_TOKEN" \
  --gpu "${NEURALPOWER_GPU:-all}" \
  --state-dir "${NEURALPOWER_STATE_DIR:-/var/lib/neuralpower-agent}" \
  "$@"
