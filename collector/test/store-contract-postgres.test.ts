import { afterAll, beforeAll } from 'vitest';
import { type PgCluster, startPostgres } from '../../test/support/postgres.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import type { Store } from '../src/store/store.js';
import { describeStoreContract } from './store-contract.js';

// One throwaway server for the file; a fresh database per test.
let cluster: PgCluster;
let databases = 0;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

describeStoreContract('postgres', async () => {
  const url = await cluster.createDatabase(`contract_${++databases}`);
  const opened: Store[] = [];
  const open = async () => {
    const store = await openPostgresStore(url);
    opened.push(store);
    return store;
  };
  return {
    store: await open(),
    // another replica on the same database
    openAnother: open,
    replicas: true,
    cleanup: async () => {
      for (const s of opened) await s.close();
    },
  };
});
