# syntax=docker/dockerfile:1
# neuralpower GPU agent with the torch engine and NVML energy, for A100/H100/H200 fleets (CUDA 12
# drivers). The PyTorch image brings python3, a CUDA 12 build of torch and cuDNN 9; pick the tag
# whose CUDA version the hosts' driver supports (nvidia-smi shows "CUDA Version").
# Build from the repository root (npm needs the registry):
#   docker build -f deploy/docker/agent-torch.Dockerfile -t neuralpower-agent-torch .
# Run on a GPU host with the NVIDIA Container Toolkit:
#   docker run -d --gpus all --env-file agent.env -v neuralpower-agent:/var/lib/neuralpower-agent neuralpower-agent-torch

ARG NODE_VERSION=20
ARG TORCH_IMAGE=pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime

FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM ${TORCH_IMAGE}
# Node from the official image: the PyTorch image has none.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/neuralpower
COPY . .
# koffi (NVML) ships a prebuilt linux-x64 module; the build fails if torch has no CUDA.
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && python3 -c "import torch, sys; sys.exit(0 if torch.version.cuda else 'a CUDA build of torch is required')"
# nvidia-smi and libnvidia-ml.so.1 ("utility") and libcuda ("compute") come from the host.
ENV NVIDIA_VISIBLE_DEVICES=all \
  NVIDIA_DRIVER_CAPABILITIES=compute,utility \
  NEURALPOWER_PYTHON=python3 \
  NODE_ENV=production
RUN useradd --system --uid 10001 --home-dir /var/lib/neuralpower-agent --shell /usr/sbin/nologin neuralpower \
  && mkdir -p /var/lib/neuralpower-agent \
  && chown neuralpower:neuralpower /var/lib/neuralpower-agent \
  && chmod 0755 /opt/neuralpower/deploy/docker/agent-entrypoint.sh
# The durable outbox: records stay here until the collector has acknowledged them.
VOLUME ["/var/lib/neuralpower-agent"]
# Prometheus metrics when the sweep runs with --metrics-port 9464 --metrics-host 0.0.0.0.
EXPOSE 9464
USER neuralpower
ENTRYPOINT ["/opt/neuralpower/deploy/docker/agent-entrypoint.sh"]
# Explicit: a torch that cannot use the GPU fails the sweep with its reason instead of measuring tfjs.
CMD ["--backend", "torch", "--power", "nvml"]
