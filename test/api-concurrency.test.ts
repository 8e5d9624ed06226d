/**
 * 16 HTTP clients x 100 allocations from one subnet get 1,600 distinct addresses: against one
 * server on SQLite, and against two `hostwire serve` processes sharing one PostgreSQL database.
 * Also: SIGTERM lets in-flight requests finish before the process exits.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../src/api/server.ts';
import { parsePrefix, parseAddress, prefixContains, specialRole } from '../src/domain/address.ts';
import { createSubnet, showSubnet } from '../src/ipam/subnets.ts';
import { createToken } from '../src/services/tokens.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';

const CLIENTS = 16;
const PER_CLIENT = 100;
const CIDR = '10.30.0.0/20';
const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');

/** Prepares a store with one subnet and an operator token; returns the token. */
async function prepare(db: string): Promise<string> {
  const store = await openStore(db);
  try {
    const context = makeContext(store, 'test');
    await createWire(context, { name: 'race' });
    await createSubnet(context, { name: 'pool', wire: 'race', cidr: CIDR, gateway: '10.30.0.1' });
    return (await createToken(context, { role: 'operator', name: 'race' })).token;
  } finally {
    await store.close();
  }
}

/** Each client allocates one address per request, PER_CLIENT times, round-robin over the servers. */
async function race(urls: string[], token: string): Promise<string[]> {
  const clients = Array.from({ length: CLIENTS }, async (_, client) => {
    const taken: string[] = [];
    for (let i = 0; i < PER_CLIENT; i++) {
      const url = urls[(client + i) % urls.length]!;
      const response = await fetch(`${url}/api/v1/subnets/pool/allocations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ owner: { kind: 'manual', id: `client-${client}` } }),
      });
      const body = (await response.json()) as { items: { address: string }[] };
      assert.equal(response.status, 201, JSON.stringify(body));
      taken.push(body.items[0]!.address);
    }
    return taken;
  });
  return (await Promise.all(clients)).flat();
}

function assertDistinct(addresses: string[]): void {
  assert.equal(addresses.length, CLIENTS * PER_CLIENT);
  assert.equal(new Set(addresses).size, CLIENTS * PER_CLIENT, 'no address handed out twice');
  const prefix = parsePrefix(CIDR);
  for (const text of addresses) {
    const address = parseAddress(text);
    assert.ok(prefixContains(prefix, address) && specialRole(prefix, address.value) === null && text !== '10.30.0.1', text);
  }
}

interface ServeProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function spawnServe(db: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, '--db', db, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { url, child, exited };
}

describe(`${CLIENTS} HTTP clients x ${PER_CLIENT} allocations from one subnet`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-api-race-'));
  let postgres: PostgresServer;
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one server on SQLite: 1,600 distinct addresses', async () => {
    const db = join(dir, 'race.db');
    const token = await prepare(db);
    const store = await openStore(db);
    const server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => undefined });
    try {
      assertDistinct(await race([server.url], token));
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('two server processes on one PostgreSQL database: 1,600 distinct addresses', async () => {
    const db = await postgres.createDatabase('race');
    const token = await prepare(db);
    const servers = [await spawnServe(db), await spawnServe(db)];
    try {
      assertDistinct(await race(servers.map((server) => server.url), token));
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(servers.map((server) => server.exited)), [0, 0]);
    }
  });

  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const db = join(dir, 'shutdown.db');
    const token = await prepare(db);
    const server = await spawnServe(db);
    const requests = Array.from({ length: 40 }, () =>
      fetch(`${server.url}/api/v1/subnets/pool/allocations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"count":20}' }).then((response) => response.status),
    );
    // Signal once the first answers are back, while the rest are still being served.
    await Promise.race(requests);
    server.child.kill('SIGTERM');
    const statuses = await Promise.allSettled(requests);
    const completed = statuses.filter((result) => result.status === 'fulfilled').map((result) => (result as PromiseFulfilledResult<number>).value);
    assert.ok(completed.every((status) => status === 201), `in-flight requests complete: ${completed.join(',')}`);
    assert.equal(await server.exited, 0);
    const store = await openStore(db);
    try {
      const context = makeContext(store, 'test');
      assert.equal((await showSubnet(context, 'pool')).utilization.used, String(completed.length * 20 + 1), 'what was answered is what was stored');
    } finally {
      await store.close();
    }
  });
});
