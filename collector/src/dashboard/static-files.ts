import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * The chart library's browser build, straight from the collector's own node_modules (installed with
 * the collector; no CDN, no copy in the repository). Resolved once: a missing install fails at start.
 */
function chartJsPath(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its module builds; the UMD build sits beside them in dist/.
  const main = require.resolve('chart.js');
  return path.join(path.dirname(main), 'chart.umd.js');
}

/**
 * The dashboard's files, read once and kept in memory (a few hundred kB): `name` is a path under
 * `/dashboard/`; only files that exist in the static folder or the vendored chart build are served.
 */
export class StaticFiles {
  private readonly cache = new Map<string, StaticFile>();
  private readonly vendor: Record<string, string>;

  constructor() {
    this.vendor = { 'vendor/chart.umd.js': chartJsPath() };
  }

  async get(name: string): Promise<StaticFile | null> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const file = this.vendor[name] ?? this.ownFile(name);
    if (file === null) return null;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return null;
    }
    const entry = { body, contentType: TYPES[path.extname(file)] ?? 'application/octet-stream' };
    this.cache.set(name, entry);
    return entry;
  }

  /** A plain file name in the static folder, never a path out of it. */
  private ownFile(name: string): string | null {
    if (!/^[a-z0-9][a-z0-9-]*\.(html|js|css)$/.test(name)) return null;
    return path.join(STATIC_DIR, name);
  }
}
