# syntax=docker/dockerfile:1
# neuralpower collector: slim Node image, non-root, database on a volume.
# Build from the repository root:
#   docker build -f deploy/docker/collector.Dockerfile -t neuralpower-collector .
# Run:
#   docker run -d -p 7070:7070 -v neuralpower-data:/var/lib/neuralpower neuralpower-collector

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches this Node.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/neuralpower
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/neuralpower
COPY --from=build --chown=root:root /opt/neuralpower /opt/neuralpower
# The image's own unprivileged user (uid 1000) owns only the database folder.
RUN mkdir -p /var/lib/neuralpower && chown node:node /var/lib/neuralpower
VOLUME ["/var/lib/neuralpower"]
USER node
EXPOSE 7070
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7070/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/neuralpower/bin/neuralpower.js"]
CMD ["collector", "--db", "/var/lib/neuralpower/neuralpower.db", "--host", "0.0.0.0", "--port", "7070"]
