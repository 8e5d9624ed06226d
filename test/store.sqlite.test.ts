import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { openStore } from '../src/store/store.ts';
import { defineInventorySuite } from './support/inventory-suite.ts';
import { defineIpamSuite } from './support/ipam-suite.ts';

describe('store, IPAM and inventory on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sqlite-'));
  let n = 0;
  after(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => openStore(join(dir, `t${++n}.db`));
  defineIpamSuite(open);
  defineInventorySuite(open);
});
