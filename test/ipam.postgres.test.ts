import { after, before, describe } from 'node:test';
import { openStore } from '../src/store/store.ts';
import { defineIpamSuite } from './support/ipam-suite.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';

describe('store and IPAM on PostgreSQL', () => {
  let server: PostgresServer;
  let n = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server.stop());
  defineIpamSuite(async () => openStore(await server.createDatabase(`t${++n}`)));
});
