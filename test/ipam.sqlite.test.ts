import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { openStore } from '../src/store/store.ts';
import { defineIpamSuite } from './support/ipam-suite.ts';

describe('store and IPAM on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sqlite-'));
  let n = 0;
  after(() => rmSync(dir, { recursive: true, force: true }));
  defineIpamSuite(() => openStore(join(dir, `t${++n}.db`)));
});
