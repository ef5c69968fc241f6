/**
 * What one client can make the collector hold or do. Every limit is a collector flag; a client over
 * one gets a clear error (HTTP status or protocol error + close code) naming the limit, and the
 * `neuralpower_limit_rejections_total{limit}` counter goes up.
 */
export interface CollectorLimits {
  /** agent WebSocket connections at once, all tokens together (`--max-connections`) */
  readonly maxConnections: number;
  /** agent WebSocket connections at once per token (`--max-connections-per-token`) */
  readonly maxConnectionsPerToken: number;
  /** a connection that holds a frame unfinished this long is dropped (`--frame-timeout-s`) */
  readonly frameAssemblyMs: number;
  /** messages per second per connection, averaged over a burst of 2 s (`--max-messages-per-s`) */
  readonly maxMessagesPerSecond: number;
  /** layers (nodes) of a network in POST /v1/predict (`--max-predict-nodes`) */
  readonly maxPredictNodes: number;
  /** largest HTTP request body (`--max-body-mb`) */
  readonly maxBodyBytes: number;
  /** largest JSON response a query may produce (`--max-response-mb`); the CSV export streams */
  readonly maxResponseBytes: number;
  /** how often open agent connections re-check that their token is still valid (`--auth-recheck-s`) */
  readonly authRecheckMs: number;
}

export const DEFAULT_LIMITS: CollectorLimits = {
  maxConnections: 1000,
  maxConnectionsPerToken: 64,
  frameAssemblyMs: 30_000,
  maxMessagesPerSecond: 100,
  maxPredictNodes: 2000,
  maxBodyBytes: 64 * 1024 * 1024,
  maxResponseBytes: 32 * 1024 * 1024,
  authRecheckMs: 5000,
};

export const MIB = 1024 * 1024;
