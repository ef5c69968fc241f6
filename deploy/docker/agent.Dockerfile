# syntax=docker/dockerfile:1
# neuralpower agent on an NVIDIA CUDA base image, for the NVIDIA container runtime.
# TensorFlow.js' GPU backend (@tensorflow/tfjs-node-gpu 4.x) loads libtensorflow 2.9, which was
# built against CUDA 11.2 and cuDNN 8.1: it needs a CUDA 11.x runtime (11.2 or newer) with cuDNN 8.
# Build from the repository root (this step downloads libtensorflow, so it needs internet):
#   docker build -f deploy/docker/agent.Dockerfile -t neuralpower-agent .
# Run on a GPU host with the NVIDIA Container Toolkit:
#   docker run -d --gpus all --env-file agent.env -v neuralpower-agent:/var/lib/neuralpower-agent neuralpower-agent

ARG NODE_VERSION=20
ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04

FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM ${CUDA_IMAGE}
ARG TFJS_NODE_GPU_VERSION=4.22.0
# Node from the official image: the CUDA image has no Node of its own.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/neuralpower
COPY . .
# The GPU backend is installed here, at build time, and never listed as a project dependency:
# its install script downloads libtensorflow for CUDA. The build fails if the binding is missing.
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm install --no-save --no-audit --no-fund "@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}" \
  && find node_modules/@tensorflow/tfjs-node-gpu/lib -name tfjs_binding.node | grep -q . \
  && npm cache clean --force
# nvidia-smi and the CUDA driver libraries come from the host through the NVIDIA runtime:
# "utility" mounts nvidia-smi (discovery, power sampling), "compute" mounts libcuda.
ENV NVIDIA_VISIBLE_DEVICES=all \
  NVIDIA_DRIVER_CAPABILITIES=compute,utility \
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
