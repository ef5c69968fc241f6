import type { Store } from '../src/store/store.js';

/** A fresh, empty database behind a store, and how to dispose of it. */
export interface StoreFixture {
  readonly store: Store;
  /**
   * Opens another store on the same database (another replica, or the CLI beside a collector):
   * used for concurrent version allocation and batch resends through a second connection.
   */
  openAnother(): Promise<Store>;
  /** whether `onModelVersionChange` also fires for changes made through `openAnother()` stores */
  readonly notifiesAcrossStores: boolean;
  /** closes every store it opened and removes the database */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every store must have, as a vitest suite: call it from
 * `store-contract-<name>.test.ts` with a factory that makes a fresh database per test.
 */
export declare function describeStoreContract(name: string, fresh: () => Promise<StoreFixture>): void;
