/**
 * TLS options in the URL reach the PostgreSQL client: a server with ssl=on (the TLS test's
 * self-signed certificate for 127.0.0.1), `sslmode=verify-full` with `sslrootcert` checks it,
 * every connection of the store (pool and LISTEN) is encrypted, and a certificate that cannot be
 * verified is refused.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../../test/support/postgres.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';

const certFile = fileURLToPath(new URL('./fixtures/test-cert.pem', import.meta.url));
const keyFile = fileURLToPath(new URL('./fixtures/test-key.pem', import.meta.url));

let cluster: PgCluster;
let url: string;
beforeAll(async () => {
  cluster = await startPostgres({
    tls: { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') },
  });
  url = await cluster.createDatabase('tls');
});
afterAll(async () => {
  await cluster?.stop();
});

it('sslmode=verify-full with sslrootcert: every connection of the store is TLS, the certificate checked', async () => {
  const store = await openPostgresStore(
    `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certFile)}`,
  );
  try {
    expect(await store.health()).toMatchObject({ ok: true });
    const own = await store.db.one<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(own?.ssl).toBe(true);
    const listener = await store.db.one<{ ssl: boolean }>(
      `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
       WHERE a.application_name = 'neuralpower-collector-listener' AND a.datname = current_database()`,
    );
    expect(listener?.ssl).toBe(true);
  } finally {
    await store.close();
  }
});

it('refuses a server certificate it cannot verify, and plain TCP is what sslmode=disable asks for', async () => {
  await expect(openPostgresStore(`${url}?sslmode=verify-full`)).rejects.toThrow(
    /cannot open the PostgreSQL database .*self[- ]signed certificate/,
  );
  const plain = await openPostgresStore(`${url}?sslmode=disable`);
  try {
    const row = await plain.db.one<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(row?.ssl).toBe(false);
  } finally {
    await plain.close();
  }
});
