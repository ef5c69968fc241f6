import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { tempDir } from './helpers.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('sqlite', async () => {
  const tmp = tempDir();
  const path = `${tmp.dir}/contract.db`;
  const opened: Store[] = [];
  const open = async (exclusive: boolean) => {
    const store = await openSqliteStore(path, { exclusive, synchronous: 'normal' });
    opened.push(store);
    return store;
  };
  return {
    // As the collector opens it (holding the file's lock); the others as the CLI does, beside it.
    store: await open(true),
    openAnother: () => open(false),
    replicas: false,
    cleanup: async () => {
      for (const s of opened) await s.close();
      tmp.cleanup();
    },
  };
});
