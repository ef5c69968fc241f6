// Worker threads do not inherit the tsx loader of the thread that started them: register it here
// (as fit/worker-entry.mjs does), then run one proposal.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runProposeJob } = await import('./propose-job.ts');
try {
  parentPort.postMessage({ ok: true, result: await runProposeJob(workerData) });
} catch (err) {
  parentPort.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
