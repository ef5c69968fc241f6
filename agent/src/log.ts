import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stderr (stdout stays free for `--json` output). */
export function createLogger(level: string = process.env['NEURALPOWER_LOG'] ?? 'info'): Logger {
  return pino({ level, base: { name: 'neuralpower-agent' } }, pino.destination({ fd: 2, sync: true }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
