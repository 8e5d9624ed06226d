import { after, before, describe } from 'node:test';
import { openStore } from '../src/store/store.ts';
import { defineInventorySuite } from './support/inventory-suite.ts';
import { defineIpamSuite } from './support/ipam-suite.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';

describe('store, IPAM and inventory on PostgreSQL', () => {
  let server: PostgresServer;
  let n = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server.stop());
  const open = async () => openStore(await server.createDatabase(`t${++n}`));
  defineIpamSuite(open);
  defineInventorySuite(open);
});
