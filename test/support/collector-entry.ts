/**
 * A collector as its own OS process, so tests can SIGKILL it for real. Imports the server module
 * directly (not the whole CLI) because it is restarted many times per test and startup time adds up.
 * Usage: node --import tsx collector-entry.ts DB PORT [MAX_PAYLOAD_BYTES]; prints `listening PORT`.
 * `NP_COLLECTOR_OPTIONS` (JSON) adds options: limits, publicRead, integrityTimeoutMs, ...
 * Deliberately without a process-level error handler: a request that escapes the router's own
 * error handling ends this process, and the tests see it.
 */
import { type CollectorOptions, startCollector } from '../../collector/src/server.js';

const [dbPath, port, maxPayload] = process.argv.slice(2);
if (!dbPath || port === undefined) {
  process.stderr.write('usage: collector-entry.ts DB PORT [MAX_PAYLOAD_BYTES]\n');
  process.exit(2);
}
const collector = await startCollector({
  db: dbPath,
  port: Number(port),
  fitEvery: 0,
  processMetrics: false,
  ...(maxPayload ? { maxPayloadBytes: Number(maxPayload) } : {}),
  ...(JSON.parse(process.env['NP_COLLECTOR_OPTIONS'] ?? '{}') as Partial<CollectorOptions>),
});
process.stdout.write(`listening ${collector.port}\n`);
const stop = () => {
  collector.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
