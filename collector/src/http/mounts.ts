import { mountCampaigns } from '../campaigns/routes.js';
import { mountDashboard } from '../dashboard/index.js';
import { mountApi } from './api.js';
import type { CollectorContext } from './context.js';
import { mountMeasurementsApi } from './measurements-api.js';
import type { Router } from './router.js';

export type RouteMount = (router: Router, ctx: CollectorContext) => void;

/**
 * Route modules the collector serves, in order (the first matching route wins). Extra modules
 * (the dashboard at `/`) add one line here; `startCollector({ mounts })` can add more per instance.
 */
export const ROUTE_MOUNTS: readonly RouteMount[] = [
  mountApi,
  mountMeasurementsApi,
  mountCampaigns,
  mountDashboard,
];
