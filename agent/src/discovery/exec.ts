import { execa } from 'execa';

export type ToolResult = { ok: true; stdout: string } | { ok: false; reason: string };

/**
 * Runs a short-lived tool with a hard timeout. Never throws: a missing binary, a hang or a non-zero
 * exit become a one-line reason the caller can show and fall back on.
 */
export async function runTool(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ToolResult> {
  const r = await execa(command, args, {
    timeout: timeoutMs,
    reject: false,
    forceKillAfterDelay: 1000,
    stdin: 'ignore',
  });
  if (!r.failed) return { ok: true, stdout: r.stdout };
  if (r.timedOut) return { ok: false, reason: `${command} did not answer within ${timeoutMs} ms` };
  if (r.code === 'ENOENT') return { ok: false, reason: `${command} not found on PATH` };
  if (r.code === 'EACCES') return { ok: false, reason: `${command} is not executable` };
  const detail = (r.stderr || r.stdout || '').split('\n').find((l) => l.trim() !== '') ?? '';
  const status =
    r.exitCode !== undefined ? `exited with code ${r.exitCode}` : `was killed (${r.signal ?? 'unknown'})`;
  return { ok: false, reason: `${command} ${status}${detail ? `: ${detail.trim()}` : ''}` };
}
