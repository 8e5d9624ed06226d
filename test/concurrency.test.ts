/**
 * Many processes allocating from one subnet at the same time get distinct addresses and no error,
 * on SQLite and on PostgreSQL: 8 processes x 250 single allocations, counted exactly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addressKey, parseAddress, parsePrefix, prefixContains, specialRole } from '../src/domain/address.ts';
import { listAddresses, reserve } from '../src/ipam/allocation.ts';
import { createSubnet, showSubnet } from '../src/ipam/subnets.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';

const WORKERS = 8;
const PER_WORKER = 250;
const CIDR = '10.20.0.0/20';
const RESERVED = ['10.20.0.5', '10.20.0.6', '10.20.3.0'];

interface Worker {
  ready: Promise<void>;
  done: Promise<string[]>;
}

function startWorker(db: string, startFile: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support', 'allocate-worker.ts'), db, 'pool', String(PER_WORKER), startFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalReady: () => void;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<string[]>((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.slice('ready\n'.length)) as string[]);
    }),
  );
  done.catch(() => signalReady());
  return { ready, done };
}

async function runRace(db: string): Promise<void> {
  const store = await openStore(db);
  const context = makeContext(store, 'test');
  try {
    await createWire(context, { name: 'race' });
    await createSubnet(context, { name: 'pool', wire: 'race', cidr: CIDR, gateway: '10.20.0.1' });
    for (const address of RESERVED) await reserve(context, { subnet: 'pool', address, note: 'must never be handed out' });

    const dir = mkdtempSync(join(tmpdir(), 'hostwire-race-'));
    const startFile = join(dir, 'go');
    const workers = Array.from({ length: WORKERS }, () => startWorker(db, startFile));
    await Promise.all(workers.map((worker) => worker.ready));
    writeFileSync(startFile, 'go');
    const results = await Promise.all(workers.map((worker) => worker.done));
    rmSync(dir, { recursive: true, force: true });

    const all = results.flat();
    assert.equal(all.length, WORKERS * PER_WORKER);
    assert.equal(new Set(all).size, WORKERS * PER_WORKER, 'every address handed out once');
    const prefix = parsePrefix(CIDR);
    for (const text of all) {
      const address = parseAddress(text);
      assert.ok(prefixContains(prefix, address), `${text} inside ${CIDR}`);
      assert.equal(specialRole(prefix, address.value), null, `${text} is not the network or broadcast address`);
      assert.ok(!['10.20.0.1', ...RESERVED].includes(text), `${text} is not the gateway or reserved`);
    }
    // With the lowest policy and nothing released, the 2000 addresses are exactly the lowest free ones.
    const usable = Array.from({ length: 4094 }, (_, i) => `10.20.${(i + 1) >> 8}.${(i + 1) & 255}`).filter((text) => !['10.20.0.1', ...RESERVED].includes(text));
    const key = (text: string) => { const a = parseAddress(text); return addressKey(a.family, a.value); };
    assert.deepEqual([...all].sort((a, b) => key(a).localeCompare(key(b))), usable.slice(0, WORKERS * PER_WORKER));

    const stored = await listAddresses(context, { subnet: 'pool', state: 'allocated' });
    assert.equal(stored.length, WORKERS * PER_WORKER);
    const utilization = (await showSubnet(context, 'pool')).utilization;
    assert.equal(utilization.used, String(WORKERS * PER_WORKER + 1 + RESERVED.length));
    assert.equal(utilization.free, String(4094 - WORKERS * PER_WORKER - 1 - RESERVED.length));
  } finally {
    await store.close();
  }
}

describe(`${WORKERS} processes x ${PER_WORKER} allocations from one subnet`, () => {
  let server: PostgresServer;
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-concurrency-'));
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SQLite: 2000 distinct addresses, none special, no error', () => runRace(join(dir, 'race.db')));
  it('on PostgreSQL: 2000 distinct addresses, none special, no error', async () => runRace(await server.createDatabase('race')));
});
