import type { ServerResponse } from 'node:http';
import { listZoo } from '@neuralpower/networks';
import { requireRead } from '../http/access.js';
import type { CollectorContext } from '../http/context.js';
import { HttpError, type Router, sendJson } from '../http/router.js';
import { FitPoints } from './fit-points.js';
import { StaticFiles } from './static-files.js';

/**
 * What the dashboard reads: the collector's queries and model store, never written to. Its page
 * and scripts are public (they hold no data); its data routes need a read token unless reads are open.
 */
export type DashboardDeps = Pick<CollectorContext, 'queries' | 'models' | 'tokens' | 'publicRead'>;

function send(res: ServerResponse, file: { body: Buffer; contentType: string }): void {
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': file.body.length,
    // The page reads live data through the API; its own files change only with a collector upgrade.
    'cache-control': 'no-cache',
  });
  res.end(file.body);
}

/**
 * Serves the dashboard at `/`: the page and its modules under `/dashboard/`, Chart.js from the
 * collector's node_modules, and two read-only data routes the JSON API does not have (zoo list,
 * predicted-vs-measured points of the current models). Everything else comes from `/v1/...`.
 * A `RouteMount`: one line in `http/mounts.ts` serves it from every collector.
 */
export function mountDashboard(router: Router, deps: DashboardDeps): void {
  const files = new StaticFiles();
  const fitPoints = new FitPoints(deps.queries, deps.models);

  const page = async (res: ServerResponse, name: string): Promise<void> => {
    const file = await files.get(name);
    if (!file) throw new HttpError(404, `no dashboard file ${name}`);
    send(res, file);
  };

  router.get('/', (_req, res) => page(res, 'index.html'));
  router.get('/dashboard/api/zoo', async (req, res) => {
    await requireRead(deps, req);
    sendJson(res, 200, { networks: listZoo() });
  });
  router.get('/dashboard/api/platforms/:id/fit-points', async (req, res) => {
    await requireRead(deps, req);
    sendJson(res, 200, await fitPoints.forPlatform(req.params['id']!));
  });
  router.get('/dashboard/*', (req, res) => page(res, req.params['rest']!));
}
