import { Worker } from 'node:worker_threads';
import type { ProposeJobInput, ProposeJobResult } from './propose-job.js';

const WORKER_URL = new URL('./propose-worker.mjs', import.meta.url);

/** Runs one proposal in a worker thread. */
export function runProposal(input: ProposeJobInput): {
  result: Promise<ProposeJobResult>;
  cancel: () => void;
} {
  const worker = new Worker(WORKER_URL, { workerData: input });
  const result = new Promise<ProposeJobResult>((resolve, reject) => {
    worker.once('message', (msg: { ok: true; result: ProposeJobResult } | { ok: false; message: string }) => {
      if (msg.ok) resolve(msg.result);
      else reject(new Error(msg.message));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`proposal worker exited with code ${code}`)));
  });
  return { result, cancel: () => void worker.terminate() };
}
