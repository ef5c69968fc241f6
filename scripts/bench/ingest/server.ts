// The collector under test, alone in its process so the load generator cannot take its event loop.
import { startCollector } from '@neuralpower/collector';

const [dbPath, synchronous = 'full'] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: server.ts DB_PATH [full|normal]');
const collector = await startCollector({
  db: dbPath,
  port: 0,
  fitEvery: 0,
  processMetrics: false,
  synchronous: synchronous as 'full' | 'normal',
});
const token = (await collector.context.tokens.create('bench')).token;
process.stdout.write(`${JSON.stringify({ url: collector.url, wsUrl: collector.wsUrl, token })}\n`);
process.on('SIGTERM', () => {
  void collector.close().then(() => process.exit(0));
});
