import type { TokenStore } from '../auth/tokens.js';
import type { CampaignService } from '../campaigns/service.js';
import type { IntegrityMonitor } from '../db/integrity.js';
import type { ModelStore } from '../db/models-store.js';
import type { Db } from '../db/open.js';
import type { QueryStore } from '../db/query-store.js';
import type { FitScheduler } from '../fit/scheduler.js';
import type { AgentSocket } from '../ingest/agent-socket.js';
import type { CollectorLimits } from '../limits.js';
import type { CollectorMetrics } from '../metrics.js';
import type { PredictService } from '../predict/predict-service.js';

/** What route modules (the API, the dashboard) get to work with. */
export interface CollectorContext {
  readonly db: Db;
  readonly dbPath: string;
  readonly tokens: TokenStore;
  readonly models: ModelStore;
  readonly queries: QueryStore;
  readonly fits: FitScheduler;
  readonly predict: PredictService;
  readonly metrics: CollectorMetrics;
  readonly agents: AgentSocket;
  readonly integrity: IntegrityMonitor;
  readonly limits: CollectorLimits;
  /** reads need no token (`--public-read`); see http/access.ts */
  readonly publicRead: boolean;
  readonly campaigns: CampaignService;
  readonly startedAt: Date;
}
