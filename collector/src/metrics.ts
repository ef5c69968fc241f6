import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The collector's Prometheus metrics, on a registry of its own so several collectors can share a process. */
export class CollectorMetrics {
  readonly registry = new Registry();
  readonly measurementsIngested = new Counter({
    name: 'neuralpower_measurements_ingested_total',
    help: 'Measurement records committed to the store.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'neuralpower_batches_total',
    help: 'Measurement batches received, by outcome (stored, duplicate, rejected).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'neuralpower_batch_commit_seconds',
    help: 'Time to write and commit one group of batches.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly agentsConnected = new Gauge({
    name: 'neuralpower_agents_connected',
    help: 'Agent WebSocket connections that completed hello.',
    registers: [this.registry],
  });
  readonly protocolErrors = new Counter({
    name: 'neuralpower_protocol_errors_total',
    help: 'Error messages sent to agents, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'neuralpower_auth_failures_total',
    help: 'WebSocket upgrades refused with 401.',
    registers: [this.registry],
  });
  readonly fitSeconds = new Histogram({
    name: 'neuralpower_fit_duration_seconds',
    help: 'Wall time of one model fit (one platform and kind, both targets).',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly predictSeconds = new Histogram({
    name: 'neuralpower_predict_duration_seconds',
    help: 'Time to answer POST /v1/predict.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly limitRejections = new Counter({
    name: 'neuralpower_limit_rejections_total',
    help: 'Requests and connections refused or dropped by a limit (connections, connections_per_token, frame_time, message_rate).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly dbIntegrity = new Gauge({
    name: 'neuralpower_db_integrity',
    help: 'Database integrity: 1 for the current status (ok, corrupt, checking, skipped), 0 for the others.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
