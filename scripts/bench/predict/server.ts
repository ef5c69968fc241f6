// The collector under test, alone in its process (the client's timing loop cannot steal its event loop).
import { startCollector } from '@neuralpower/collector';

const [dbPath] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: server.ts DB_PATH');
const collector = await startCollector({
  db: dbPath,
  port: 0,
  fitEvery: 0,
  processMetrics: false,
  // Model quality is irrelevant to latency; a short λ path keeps the set-up quick.
  fit: { lasso: { nLambdas: 30, folds: 5 } },
  // The benchmark measures predictions, not authentication: reads open, as on a laptop.
  publicRead: true,
});
const token = (await collector.context.tokens.create('bench', ['agent', 'admin'])).token;
process.stdout.write(`${JSON.stringify({ url: collector.url, wsUrl: collector.wsUrl, token })}\n`);
process.on('SIGTERM', () => {
  void collector.close().then(() => process.exit(0));
});
