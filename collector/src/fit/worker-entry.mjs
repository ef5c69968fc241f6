// Worker threads do not inherit the tsx loader of the thread that started them: register it here,
// resolved from this file's location so it works from any working directory, then load the job.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runFitJob } = await import('./fit-job.ts');
try {
  parentPort.postMessage({ ok: true, result: await runFitJob(workerData) });
} catch (err) {
  parentPort.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
