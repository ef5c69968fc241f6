import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `--gpu all`: one worker process per GPU, each with its own state dir (its own outbox, agent id
 * and seq) and CUDA_VISIBLE_DEVICES so a CUDA engine only sees its GPU. nvidia-smi ignores that
 * variable, so each worker still samples its GPU by its real index. With `--metrics-port N` (N > 0)
 * the worker for the i-th GPU listens on N + i, so the workers do not fight over one port.
 */
export async function runWorkers(
  gpuIndices: readonly number[],
  stateDir: string,
  metricsPort?: number,
): Promise<number> {
  const argv = process.argv.slice(2);
  const base: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--gpu' || a === '--state-dir' || a === '--metrics-port') {
      i++;
      continue;
    }
    if (a.startsWith('--gpu=') || a.startsWith('--state-dir=') || a.startsWith('--metrics-port=')) continue;
    base.push(a);
  }
  const children = gpuIndices.map((gpu, i) =>
    spawn(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1]!,
        ...base,
        '--gpu',
        String(gpu),
        '--state-dir',
        path.join(stateDir, `gpu-${gpu}`),
        ...(metricsPort !== undefined
          ? ['--metrics-port', String(metricsPort === 0 ? 0 : metricsPort + i)]
          : []),
      ],
      { stdio: 'inherit', env: { ...process.env, CUDA_VISIBLE_DEVICES: String(gpu) } },
    ),
  );
  const forward = (signal: NodeJS.Signals) => {
    for (const c of children) c.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const codes = await Promise.all(
    children.map((c) => new Promise<number>((resolve) => c.on('exit', (code) => resolve(code ?? 1)))),
  );
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  return Math.max(0, ...codes);
}
