import { Worker } from 'node:worker_threads';
import type { ProposeJobInput } from './propose-job.js';

const WORKER_URL = new URL('./propose-worker.mjs', import.meta.url);

/** Runs one proposal in a worker thread; resolves with item ids (most wanted first). */
export function runProposal(input: ProposeJobInput): { result: Promise<number[]>; cancel: () => void } {
  const worker = new Worker(WORKER_URL, { workerData: input });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (msg: { ok: true; itemIds: number[] } | { ok: false; message: string }) => {
      if (msg.ok) resolve(msg.itemIds);
      else reject(new Error(msg.message));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`proposal worker exited with code ${code}`)));
  });
  return { result, cancel: () => void worker.terminate() };
}
