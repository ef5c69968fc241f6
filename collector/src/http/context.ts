import type { TokenStore } from '../auth/tokens.js';
import type { CampaignService } from '../campaigns/service.js';
import type { FitScheduler } from '../fit/scheduler.js';
import type { AgentSocket } from '../ingest/agent-socket.js';
import type { CollectorLimits } from '../limits.js';
import type { CollectorMetrics } from '../metrics.js';
import type { PredictService } from '../predict/predict-service.js';
import type { StoreIntegrity } from '../store/integrity.js';
import type { ModelRepository } from '../store/models.js';
import type { QueryRepository } from '../store/queries.js';
import type { Store } from '../store/store.js';

/** What route modules (the API, the dashboard) get to work with. */
export interface CollectorContext {
  readonly store: Store;
  readonly tokens: TokenStore;
  readonly models: ModelRepository;
  readonly queries: QueryRepository;
  readonly fits: FitScheduler;
  readonly predict: PredictService;
  readonly metrics: CollectorMetrics;
  readonly agents: AgentSocket;
  readonly integrity: StoreIntegrity;
  readonly limits: CollectorLimits;
  /** reads need no token (`--public-read`); see http/access.ts */
  readonly publicRead: boolean;
  readonly campaigns: CampaignService;
  readonly startedAt: Date;
}
