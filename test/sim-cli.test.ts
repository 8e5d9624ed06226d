/** `hostwire sim` from the CLI and `GET /api/v1/hosts/{name}/sim/fail` over the demo estate. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../src/api/server.ts';
import { createToken } from '../src/services/tokens.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');
const hostwire = (db: string, ...args: string[]) => spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });

describe('sim from the CLI and the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sim-'));
  const db = join(dir, 'demo.db');
  let store: Store;
  let server: RunningServer;
  let token = '';
  before(async () => {
    assert.equal(hostwire(db, 'demo').status, 0);
    store = await openStore(db);
    token = (await createToken(makeContext(store, 'test'), { role: 'viewer', name: 'viewer' })).token;
    server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => {} });
  });
  after(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails esx01's vmnic2: vMotion-1 and vMotion-3 lose connectivity, their uplink's sibling being unused (seed 002)", () => {
    const result = hostwire(db, 'sim', 'fail', '--host', 'esx01', '--link', 'vmnic2', '--json');
    assert.equal(result.status, 0, result.stderr);
    const entries = JSON.parse(result.stdout) as { object: string; kind: string; before: string; after: string | null; connected: boolean; detectSeconds: number | null }[];
    assert.deepEqual(entries.map(({ object, kind, before, after, connected, detectSeconds }) => ({ object, kind, before, after, connected, detectSeconds })), [
      { object: 'vMotion-1', kind: 'portgroup', before: 'vmnic2', after: null, connected: false, detectSeconds: 0 },
      { object: 'vmk1', kind: 'vmk', before: 'vmnic2', after: null, connected: false, detectSeconds: 0 },
      { object: 'vMotion-3', kind: 'portgroup', before: 'vmnic2', after: null, connected: false, detectSeconds: 0 },
      { object: 'vmk3', kind: 'vmk', before: 'vmnic2', after: null, connected: false, detectSeconds: 0 },
    ]);
    const bad = hostwire(db, 'sim', 'fail', '--host', 'esx01', '--link', 'vmnic9');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /'vmnic9' is not a NIC of host esx01; its NICs are vmnic0, vmnic1, vmnic2, vmnic3/);
    assert.match(hostwire(db, 'sim', 'fail', '--host', 'esx01', '--link', 'vmnic0', '--beacon-threshold', '-1').stderr, /beaconThreshold/);
  });

  it("starts from the links the host's facts saw down: with esx02's standby vmnic1 down, losing vmnic0 cuts management", () => {
    type Entry = { object: string; before: string; after: string | null; connected: boolean; notes: string[] };
    const fail = (...extra: string[]) => {
      const result = hostwire(db, 'sim', 'fail', '--host', 'esx02', '--link', 'vmnic0', '--json', ...extra);
      assert.equal(result.status, 0, result.stderr);
      return (JSON.parse(result.stdout) as Entry[]).find((entry) => entry.object === 'Management Network')!;
    };
    const now = fail();
    assert.deepEqual([now.before, now.after, now.connected], ['vmnic0', null, false]);
    assert.ok(now.notes.includes('vmnic1 was already down'), now.notes.join('; '));
    const ideal = fail('--all-links-up');
    assert.deepEqual([ideal.before, ideal.after, ideal.connected, ideal.notes.includes('vmnic1 was already down')], ['vmnic0', 'vmnic1', true, false]);
    // ovm1's bond member eth1 has no carrier: losing eth0 takes the whole bond, and every VLAN on it.
    const bond = JSON.parse(hostwire(db, 'sim', 'fail', '--host', 'ovm1', '--link', 'eth0', '--json').stdout) as Entry[];
    assert.deepEqual(bond.filter((entry) => entry.connected).map((entry) => entry.object), []);
    const bond0 = bond.find((entry) => entry.object === 'bond0')!;
    assert.deepEqual([bond0.before, bond0.after], ['eth0', null]);
  });

  it('plans the vMotion streams between esx01 and esx02 and shows the balance', () => {
    const plan = JSON.parse(hostwire(db, 'sim', 'vmotion', '--from', 'esx01', '--to', 'esx02', '--json').stdout);
    assert.deepEqual(plan.streams.map((stream: { subnet: string; source: { vmk: string }; destination: { vmk: string } }) => `${stream.subnet} ${stream.source.vmk}->${stream.destination.vmk}`), ['172.16.1.0/24 vmk1->vmk1', '172.16.2.0/24 vmk2->vmk2', '172.16.3.0/24 vmk3->vmk3']);
    assert.equal(plan.bandwidthMbps, 2000);
    const balance = hostwire(db, 'sim', 'balance', '--host', 'esx01');
    assert.match(balance.stdout, /vSwitch1:\n {2}vmnic2: 2 \(vmk1, vmk3\)\n {2}vmnic3: 1 \(vmk2\)/);
  });

  it('answers the same over HTTP, and a 400 naming the unknown link', async () => {
    const get = async (path: string) => {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: await response.json() };
    };
    const ok = await get('/api/v1/hosts/ovm1/sim/fail?links=eth0,eth1&allLinksUp=true');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.find((entry: { object: string }) => entry.object === 'vlan100'), { object: 'vlan100', kind: 'bridge', host: 'ovm1', before: 'eth0+eth1', after: null, connected: false, detectSeconds: 0.1, recovery: 'reconnects when eth0 or eth1 returns', notes: ok.body.find((entry: { object: string }) => entry.object === 'vlan100').notes });
    const observed = await get('/api/v1/hosts/ovm1/sim/fail?links=eth0,eth1');
    assert.equal(observed.body.find((entry: { object: string }) => entry.object === 'vlan100').before, 'eth0', 'eth1 was already down: only eth0 carried it');
    assert.equal((await get('/api/v1/hosts/ovm1/sim/fail?links=eth0&allLinksUp=yes')).status, 400);
    const bad = await get('/api/v1/hosts/ovm1/sim/fail?links=eth7');
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /'eth7' is not a NIC of host ovm1/);
  });
});
