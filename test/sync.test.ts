/**
 * vCenter sync against govmomi's simulator (test/vcsim) with the seeds' estate: identity, wires
 * from evidence, auto subnets with the real netmask, VM IPs attached or kept in sync_ips with a
 * reason, the admin's fix and re-sync, idempotency, removals, and every fault leaving the store as
 * it was.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../src/api/server.ts';
import { VimClient } from '../src/connectors/vsphere/client.ts';
import { moref, typeOf } from '../src/connectors/vsphere/soap.ts';
import { createToken } from '../src/services/tokens.ts';
import { InvalidLogin, VsphereConnectionError, VsphereProtocolError, VsphereTimeoutError, VsphereTlsError } from '../src/connectors/vsphere/errors.ts';
import { listAddresses } from '../src/ipam/allocation.ts';
import { createSubnet, deleteSubnet, listSubnets } from '../src/ipam/subnets.ts';
import { listPortgroups, mergeWires, suggestMerges } from '../src/reconcile/wires.ts';
import { diffHost } from '../src/services/host-network.ts';
import { createSpace } from '../src/services/spaces.ts';
import { runSync, SYNC_PHASES, type SyncProgress } from '../src/reconcile/sync.ts';
import { addAccount, listAccounts } from '../src/services/accounts.ts';
import { listChanges } from '../src/services/changes.ts';
import { listHosts, listInterfaces } from '../src/services/hosts.ts';
import { listTags } from '../src/services/tags.ts';
import { listVms } from '../src/services/vms.ts';
import { createWire, listWires } from '../src/services/wires.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { startVcsim, type Scenario } from './vcsim/harness.ts';

// The vCenter instance UUID is pinned so that a restarted simulator is the same vCenter.
const SEEDS = { ...(JSON.parse(readFileSync(join(import.meta.dirname, 'vcsim', 'scenarios', 'seeds.json'), 'utf8')) as Scenario), instanceUuid: 'c1a5e2f0-0000-4000-8000-00000000vc01'.replace('vc01', '0c01') };

/** Everything a sync may touch, to prove a failed one touched nothing. */
async function observable(context: Context) {
  return {
    wires: (await listWires(context)).map((wire) => [wire.name, wire.subnets]),
    subnets: (await listSubnets(context)).map((subnet) => [subnet.name, subnet.cidr, subnet.utilization.used]),
    addresses: (await listAddresses(context)).map((record) => [record.address, record.ownerId]),
    hosts: (await listHosts(context)).map((host) => host.name),
    vms: (await listVms(context)).map((vm) => [vm.name, vm.vnics.length]),
    changes: (await listChanges(context)).length,
  };
}

/** Hosts and VMs in the seeds' estate: what a sync's progress counts. */
const SEED_OBJECTS = (SEEDS.clusters ?? []).reduce((sum, cluster) => sum + (cluster.hosts ?? []).length, 0) + (SEEDS.standaloneHosts ?? []).length + (SEEDS.vms ?? []).length;

const ipsOf = async (context: Context, uuid: string) => JSON.parse((await listTags(context, { kind: 'vm', name: uuid })).sync_ips ?? '[]') as { address: string; reason: string }[];

describe('vCenter sync against the simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sync-'));
  let sim: Awaited<ReturnType<typeof startVcsim>>;
  let store: Store;
  let context: Context;
  let n = 0;

  before(async () => {
    process.env.HOSTWIRE_SECRET_KEY = 'sync-test-key';
    sim = await startVcsim(SEEDS, { tls: true });
    store = await openStore(join(dir, 'sync.db'));
    context = makeContext(store, 'test');
    await addAccount(context, { kind: 'vsphere', name: 'vc1', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
  });
  after(async () => {
    await store.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates hosts, conservative wires and subnets from host IPs with their real netmask, gateway and VLAN', async () => {
    const result = await runSync(context, 'vc1');
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.errors, []);
    assert.deepEqual((await listHosts(context)).map((host) => [host.name, host.cluster, host.managementAddress, host.sourceAccount]), [
      ['esx01', 'prod', '10.1.1.51', 'vc1'],
      ['esx02', 'prod', '10.1.1.52', 'vc1'],
    ]);
    const wires = await listWires(context);
    assert.deepEqual(wires.map((wire) => [wire.name, wire.origin]).sort(), [['vc1/dvs1', 'auto'], ['vc1/esx01/vSwitch0', 'auto'], ['vc1/esx01/vSwitch1', 'auto']]);
    const subnets = await listSubnets(context);
    const mgmt = subnets.find((subnet) => subnet.cidr === '10.1.1.0/24')!;
    assert.deepEqual([mgmt.wire, mgmt.vlan, mgmt.gateway], ['vc1/esx01/vSwitch0', 100, '10.1.1.1']);
    assert.deepEqual(subnets.filter((subnet) => subnet.cidr.startsWith('172.16.')).map((subnet) => [subnet.cidr, subnet.wire, subnet.vlan, subnet.gateway]), [
      ['172.16.1.0/24', 'vc1/esx01/vSwitch1', 0, null],
      ['172.16.2.0/24', 'vc1/esx01/vSwitch1', 0, null],
      ['172.16.3.0/24', 'vc1/esx01/vSwitch1', 0, null],
    ]);
    // esx02's vmks fell into esx01's subnets, so its switches joined esx01's wires (rule 2).
    const owners = (await listAddresses(context, { state: 'allocated' })).map((record) => [record.address, record.ownerId]);
    assert.deepEqual(owners.filter(([address]) => address!.startsWith('10.1.1.') || address!.startsWith('172.16.2.')), [
      ['10.1.1.51', 'esx01/vmk0'],
      ['10.1.1.52', 'esx02/vmk0'],
      ['172.16.2.51', 'esx01/vmk2'],
      ['172.16.2.52', 'esx02/vmk2'],
    ]);
    const vmotion = await listInterfaces(context, { host: 'esx02', kind: 'vmk' });
    assert.deepEqual(vmotion.map((vmk) => [vmk.name, 'services' in vmk ? vmk.services : null]), [
      ['vmk0', ['management']],
      ['vmk1', ['vmotion']],
      ['vmk2', []],
      ['vmk3', ['vmotion']],
    ]);
    const portgroups = await listInterfaces(context, { host: 'esx01', kind: 'portgroup' });
    assert.ok(portgroups.some((pg) => pg.name === 'dv-trunk' && 'trunk' in pg && JSON.stringify(pg.trunk) === '[{"first":100,"last":200}]'));
  });

  it('keeps VM IPs no subnet owns in sync_ips with the reason, and attaches them once the admin adds the subnet', async () => {
    const vms = await listVms(context);
    const web01 = vms.find((vm) => vm.name === 'web01')!;
    const db01 = vms.find((vm) => vm.name === 'db01')!;
    assert.deepEqual(await ipsOf(context, web01.uuid), [{ address: '10.50.0.10', mac: '00:50:56:aa:00:01', reason: 'no subnet contains it: add a subnet that contains it on the right wire and sync again' }]);
    // The admin declares the VM networks on wires of their own.
    await createWire(context, { name: 'vm-l2' });
    await createSubnet(context, { name: 'vm-50', wire: 'vm-l2', cidr: '10.50.0.0/24', vlan: 50, gateway: '10.50.0.1' });
    await createWire(context, { name: 'db-l2' });
    await createSubnet(context, { name: 'db-51', wire: 'db-l2', cidr: '10.51.0.0/24', vlan: 51 });
    await createSubnet(context, { name: 'lab-77', wire: 'vc1/esx01/vSwitch0', cidr: '192.168.77.0/24', vlan: 77 });
    let result = await runSync(context, 'vc1');
    // The DVS had no host IP: its VM IPs in db-51 (VLAN 51 = the port group's) put it on db-l2 (rule 2.3).
    assert.deepEqual(await ipsOf(context, db01.uuid), []);
    // vSwitch0 keeps its wire, which its management vmk's subnet decides (rule 2.2, before VM IPs).
    assert.deepEqual(await ipsOf(context, web01.uuid), [{ address: '10.50.0.10', mac: '00:50:56:aa:00:01', reason: "subnet 'vm-50' is on wire 'vm-l2', but port group 'VM Network' is on wire 'vc1/esx01/vSwitch0'" }]);
    assert.equal(result.syncIps, 3);
    const suggestions = await suggestMerges(context);
    assert.deepEqual(suggestions.map((suggestion) => [suggestion.wires, suggestion.into, suggestion.evidence.length]), [[['vc1/esx01/vSwitch0'], 'vm-l2', 2]]);
    assert.match(suggestions[0]!.evidence[0]!, /VM web01 10\.50\.0\.10 on esx01 port group 'VM Network' \(VLAN 50\) is in subnet 'vm-50' of wire 'vm-l2'/);
    const tenant = await createSpace(context, { name: 'tenant' });
    await createSubnet(context, { name: 'tenant-77', wire: 'vm-l2', cidr: '192.168.77.0/25', space: tenant.name });
    await assert.rejects(mergeWires(context, ['vc1/esx01/vSwitch0'], 'vm-l2'), /overlapping subnets: .*'lab-77' \(192\.168\.77\.0\/24, space default\).*'tenant-77'/);
    await deleteSubnet(context, 'tenant-77');
    const merged = await mergeWires(context, ['vc1/esx01/vSwitch0'], 'vm-l2');
    assert.deepEqual(merged, { into: 'vm-l2', moved: { subnets: ['auto-10.1.1.0-24', 'lab-77'], switches: 2 } });
    result = await runSync(context, 'vc1');
    assert.equal(result.syncIps, 1);
    assert.deepEqual(await ipsOf(context, web01.uuid), []);
    const attached = (await listAddresses(context, { state: 'allocated' })).filter((record) => record.ownerKind === 'vnic').map((record) => [record.address, record.subnet]);
    assert.deepEqual(attached, [
      ['10.51.0.20', 'db-51'],
      ['10.50.0.10', 'vm-50'],
      ['10.50.0.11', 'vm-50'],
    ]);
    const orphan = vms.find((vm) => vm.name === 'orphan01')!;
    assert.deepEqual(await ipsOf(context, orphan.uuid), [{ address: '192.168.77.20', mac: '00:50:56:aa:00:04', reason: "VLAN mismatch: subnet 'lab-77' is VLAN 77, port group 'VM Network' is VLAN 50" }]);
    const portgroups = await listPortgroups(context, { host: 'esx01' });
    assert.deepEqual(portgroups.filter((pg) => ['VM Network', 'dv-db-51'].includes(pg.name)).map((pg) => [pg.switch, pg.name, pg.vlan, pg.wire, pg.subnet]), [
      ['vSwitch0', 'VM Network', 50, 'vm-l2', 'vm-50'],
      ['dvs1', 'dv-db-51', 51, 'db-l2', 'db-51'],
    ]);
  });

  it('writes nothing when nothing changed', async () => {
    const before = (await listChanges(context)).length;
    const result = await runSync(context, 'vc1');
    assert.deepEqual(result.counts, {});
    assert.equal((await listChanges(context)).length, before);
  });

  it('does not duplicate anything when the same vCenter is added under another account name', async () => {
    const before = await observable(context);
    await addAccount(context, { kind: 'vsphere', name: 'vc1-again', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
    await runSync(context, 'vc1-again');
    const after = await observable(context);
    assert.deepEqual(after.wires, before.wires);
    assert.ok(!after.wires.some(([name]) => String(name).startsWith('vc1-again/')), 'no wire per account name');
    assert.deepEqual(after.subnets, before.subnets);
    assert.deepEqual(after.vms, before.vms);
    assert.deepEqual(after.hosts, before.hosts);
  });

  it('leaves the store as it was and records a failed sync on every fault', async () => {
    const faults: [string, Parameters<typeof addAccount>[1], RegExp, new (...args: never[]) => Error][] = [
      ['wrong password', { kind: 'vsphere', name: '', url: sim.url, username: sim.username, password: 'wrong-never-shown', ca: sim.certPem }, /login|password|incorrect/i, InvalidLogin],
      // An unreachable vCenter, without sending anything off this machine: a name that cannot resolve.
      ['unresolvable', { kind: 'vsphere', name: '', url: 'https://vcenter.invalid/sdk', username: 'u', password: 'never-shown-0' }, /cannot resolve vcenter\.invalid/, VsphereConnectionError],
      ['refused', { kind: 'vsphere', name: '', url: 'https://127.0.0.1:1/sdk', username: 'u', password: 'never-shown-1', insecure: true }, /refused the connection/, VsphereConnectionError],
      ['untrusted certificate', { kind: 'vsphere', name: '', url: sim.url, username: sim.username, password: sim.password }, /not trusted.*--ca.*--thumbprint.*--insecure/, VsphereTlsError],
      ['wrong thumbprint', { kind: 'vsphere', name: '', url: sim.url, username: sim.username, password: sim.password, thumbprint: 'AA'.repeat(32) }, /not the pinned/, VsphereTlsError],
    ];
    for (const [label, input, pattern, kind] of faults) {
      const before = await observable(context);
      const name = `fault-${++n}`;
      await addAccount(context, { ...input, name });
      const afterAdd = await observable(context);
      await assert.rejects(runSync(context, name), (error: Error) => {
        assert.ok(error instanceof kind, `${label}: ${error.name}: ${error.message}`);
        assert.match(error.message, pattern, label);
        assert.ok(!error.message.includes(input.password), 'the password is never in a message');
        return true;
      });
      assert.deepEqual(await observable(context), afterAdd, `${label}: nothing written`);
      assert.equal(afterAdd.changes, before.changes + 1, 'only the account was added');
      const account = (await listAccounts(context)).find((candidate) => candidate.name === name)!;
      assert.equal(account.lastSync?.status, 'failed');
      assert.match(account.lastSync?.error ?? '', pattern);
    }
  });

  it('times out on a slow vCenter without writing', async () => {
    const slow = await startVcsim({ ...SEEDS, delays: { RetrievePropertiesEx: 3000 } }, { tls: true });
    try {
      const client = new VimClient({ url: slow.url, username: slow.username, password: slow.password, tls: { ca: slow.certPem }, readTimeoutMs: 500, attempts: 1 });
      await client.connect();
      const view = await client.createContainerView(client.serviceContent.rootFolder, ['HostSystem']);
      await assert.rejects(client.retrieveProperties(view, [{ type: 'HostSystem', paths: ['name'] }]), (error: Error) => error instanceof VsphereTimeoutError && /did not answer RetrievePropertiesEx within 0.5 s/.test(error.message));
    } finally {
      await slow.stop();
    }
  });

  it('offers accounts, syncs, port groups with wires and VM IPs with reasons over HTTP', async () => {
    const server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => undefined });
    const admin = (await createToken(context, { role: 'admin', name: 'sync-admin' })).token;
    const viewer = (await createToken(context, { role: 'viewer', name: 'sync-viewer' })).token;
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: response.status, body: (await response.json()) as any };
    };
    try {
      const added = await call('POST', '/api/v1/accounts', admin, { name: 'http-vc', kind: 'vsphere', url: sim.url, username: sim.username, password: 'http-secret-123', ca: sim.certPem });
      assert.equal(added.status, 201);
      assert.ok(!JSON.stringify(added.body).includes('http-secret-123'), 'no password in the answer');
      assert.equal((await call('POST', '/api/v1/accounts/http-vc/sync', viewer)).status, 403);
      const failed = await call('POST', '/api/v1/accounts/http-vc/sync', admin);
      assert.equal(failed.status, 502);
      assert.match(failed.body.detail, /^vCenter: /);
      await call('DELETE', '/api/v1/accounts/http-vc', admin);
      await call('POST', '/api/v1/accounts', admin, { name: 'http-vc', kind: 'vsphere', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
      const synced = await call('POST', '/api/v1/accounts/http-vc/sync', admin);
      assert.equal(synced.status, 200, JSON.stringify(synced.body));
      assert.equal(synced.body.status, 'succeeded');
      const accounts = (await call('GET', '/api/v1/accounts', viewer)).body.items;
      assert.equal(accounts.find((account: { name: string }) => account.name === 'http-vc').lastSync.status, 'succeeded');
      const portgroups = (await call('GET', '/api/v1/port-groups?host=esx02&vlan=50', viewer)).body.items;
      assert.deepEqual(portgroups.map((pg: { name: string; wire: string; subnet: string }) => [pg.name, pg.wire, pg.subnet]), [['VM Network', 'vm-l2', 'vm-50']]);
      const vms = (await call('GET', '/api/v1/vms?limit=100', viewer)).body.items;
      const orphan = vms.find((vm: { name: string }) => vm.name === 'orphan01');
      assert.deepEqual(orphan.nics[0].ips, [{ address: '192.168.77.20', subnet: null, reason: "VLAN mismatch: subnet 'lab-77' is VLAN 77, port group 'VM Network' is VLAN 50" }]);
      const web01 = vms.find((vm: { name: string }) => vm.name === 'web01');
      assert.deepEqual(web01.nics[0].ips, [{ address: '10.50.0.10', subnet: 'vm-50', reason: null }]);
    } finally {
      await server.close();
    }
  });

  it('reports its progress: phases in order, done monotonic up to the total of hosts and VMs', async () => {
    const heard: SyncProgress[] = [];
    const result = await runSync(context, 'vc1', { onProgress: (progress) => heard.push(progress) });
    assert.equal(result.status, 'succeeded');
    assert.ok(heard.every((progress) => progress.syncId === result.syncId));
    const phases = heard.map((progress) => progress.phase).filter((phase, i, all) => phase !== all[i - 1]);
    assert.deepEqual(phases, SYNC_PHASES);
    const total = SEED_OBJECTS;
    const counted = heard.filter((progress) => progress.phase === 'reconciling' || progress.phase === 'finishing');
    assert.ok(counted.every((progress) => progress.total === total), JSON.stringify(heard));
    for (let i = 1; i < counted.length; i++) assert.ok(counted[i]!.done >= counted[i - 1]!.done, `done never goes back: ${JSON.stringify(counted)}`);
    assert.deepEqual(heard.at(-1), { syncId: result.syncId, phase: 'finishing', done: total, total });
    assert.deepEqual(heard.find((progress) => progress.phase === 'reconciling'), { syncId: result.syncId, phase: 'reconciling', done: 0, total });
    // A listener that throws never breaks the sync.
    assert.equal((await runSync(context, 'vc1', { onProgress: () => { throw new Error('listener'); } })).status, 'succeeded');
  });

  it('reports reconciliation every 50 hosts and VMs on a larger estate', async () => {
    const big = await startVcsim({ instanceUuid: 'c1a5e2f0-0000-4000-8000-0000000b1600', generate: { hosts: 3, vmsPerHost: 40, cluster: 'progress' } }, { tls: true });
    try {
      const account = await startVcsimAccount(context, big, `progress-big-${++n}`);
      const heard: SyncProgress[] = [];
      const result = await runSync(context, account, { onProgress: (progress) => heard.push(progress) });
      assert.equal(result.status, 'succeeded');
      const total = 3 + 3 * 40;
      assert.deepEqual(heard.filter((progress) => progress.phase === 'reconciling').map((progress) => [progress.done, progress.total]), [[0, total], [50, total], [100, total], [total, total]]);
      assert.deepEqual(heard.at(-1), { syncId: result.syncId, phase: 'finishing', done: total, total });
    } finally {
      await big.stop();
    }
  });

  it('starts syncs in the background over HTTP and shows their progress, then their summary or error', async () => {
    // A slow vCenter, so that the sync is still running while it is polled.
    const slow = await startVcsim({ ...SEEDS, delays: { Login: 300, RetrievePropertiesEx: 150 } }, { tls: true });
    const server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => undefined });
    const operator = (await createToken(context, { role: 'operator', name: 'progress-operator' })).token;
    const viewer = (await createToken(context, { role: 'viewer', name: 'progress-viewer' })).token;
    const call = async (method: string, path: string, token: string) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const follow = async (id: number) => {
      const seen: string[] = [];
      for (let i = 0; i < 600; i++) {
        const sync = await call('GET', `/api/v1/syncs/${id}`, viewer);
        assert.equal(sync.status, 200, JSON.stringify(sync.body));
        if (sync.body.progress && sync.body.progress.phase !== seen.at(-1)) seen.push(sync.body.progress.phase);
        if (sync.body.status !== 'running') return { sync: sync.body, seen };
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`sync ${id} did not end`);
    };
    try {
      const account = await startVcsimAccount(context, slow, `progress-${++n}`);
      assert.equal((await call('POST', `/api/v1/accounts/${account}/syncs`, viewer)).status, 403);
      assert.equal((await call('POST', '/api/v1/accounts/no-such-account/syncs', operator)).status, 404);
      const started = await call('POST', `/api/v1/accounts/${account}/syncs`, operator);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.ok(Number.isInteger(started.body.syncId));
      const second = await call('POST', `/api/v1/accounts/${account}/syncs`, operator);
      assert.equal(second.status, 409, JSON.stringify(second.body));
      assert.match(second.body.detail, /already syncing/);
      const { sync, seen } = await follow(started.body.syncId);
      assert.equal(sync.status, 'succeeded', JSON.stringify(sync));
      assert.equal(sync.id, started.body.syncId);
      assert.equal(sync.account, account);
      assert.ok(sync.finishedAt);
      assert.equal(sync.error, null);
      assert.equal(sync.summary.syncId, started.body.syncId);
      assert.equal(sync.summary.status, 'succeeded');
      const total = SEED_OBJECTS;
      assert.deepEqual(sync.progress, { phase: 'finishing', done: total, total });
      assert.ok(seen.includes('connecting') && seen.includes('fetching'), `seen while running: ${seen.join(', ')}`);
      assert.deepEqual(seen, SYNC_PHASES.filter((phase) => seen.includes(phase)), `phases in order: ${seen.join(', ')}`);
      // Once it ended, the account may sync again.
      const again = await call('POST', `/api/v1/accounts/${account}/syncs`, operator);
      assert.equal(again.status, 202);
      assert.equal((await follow(again.body.syncId)).sync.status, 'succeeded');

      assert.equal((await call('GET', '/api/v1/syncs/999999', viewer)).status, 404);
      assert.equal((await call('GET', '/api/v1/syncs/not-a-number', viewer)).status, 400);

      // A failing sync ends failed, with its error and no summary.
      const wrong = `progress-wrong-${++n}`;
      await addAccount(context, { kind: 'vsphere', name: wrong, url: slow.url, username: slow.username, password: 'not-the-password', ca: slow.certPem });
      const failing = await call('POST', `/api/v1/accounts/${wrong}/syncs`, operator);
      assert.equal(failing.status, 202);
      const failed = (await follow(failing.body.syncId)).sync;
      assert.equal(failed.status, 'failed');
      assert.equal(failed.summary, null);
      assert.match(failed.error, /login|password|incorrect/i);
      assert.ok(!JSON.stringify(failed).includes('not-the-password'));
    } finally {
      await server.close();
      await slow.stop();
    }
  });

  it('marks VMs and hosts gone from a complete snapshot as removed, and releases their addresses', async () => {
    const smaller: Scenario = { ...SEEDS, vms: (SEEDS.vms ?? []).filter((vm) => vm.name !== 'web02') };
    const next = await startVcsim(smaller, { tls: true });
    try {
      const moved = await startVcsimAccount(context, next, `moved-${++n}`);
      const result = await runSync(context, moved);
      assert.equal(result.complete, true, JSON.stringify(result.gaps));
      assert.equal(result.counts.vm?.removed, 1, JSON.stringify(result));
      assert.ok(!(await listVms(context)).some((vm) => vm.name === 'web02'));
      assert.ok(!(await listAddresses(context)).some((record) => record.address === '10.50.0.11'));
    } finally {
      await next.stop();
    }
  });
});

describe('link state from vCenter', () => {
  it('keeps each physical NIC up or down as the host facts, so host diff and the topology show a NIC without link', async () => {
    const unplugged: Scenario = {
      ...SEEDS,
      clusters: (SEEDS.clusters ?? []).map((cluster) => ({
        ...cluster,
        hosts: (cluster.hosts ?? []).map((host) => (host.name === 'esx02' ? { ...host, pnics: (host.pnics ?? []).map((pnic) => (pnic.name === 'vmnic1' ? { ...pnic, speedMb: 0 } : pnic)) } : host)),
      })),
    };
    const sim = await startVcsim(unplugged, { tls: true });
    const dir = mkdtempSync(join(tmpdir(), 'hostwire-sync-links-'));
    const store = await openStore(join(dir, 'links.db'));
    const context = makeContext(store, 'test');
    try {
      await addAccount(context, { kind: 'vsphere', name: 'vc', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
      assert.equal((await runSync(context, 'vc')).status, 'succeeded');
      const esx02 = await diffHost(context, 'esx02');
      assert.deepEqual(esx02.facts && [esx02.facts.format, esx02.facts.source], ['vcenter', 'vc']);
      assert.deepEqual(esx02.links, { vmnic0: 'up', vmnic1: 'down', vmnic2: 'up', vmnic3: 'up' });
      assert.deepEqual(esx02.differences.map((difference) => difference.message), ['vmnic1 is down'], 'the synced declaration is what vCenter has, so only the link differs');
      assert.deepEqual((await diffHost(context, 'esx01')).differences, []);
    } finally {
      await store.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sync conflicts', () => {
  it('gives a switch with evidence for two wires its own wire and records the conflict; the same IP on two VMs stays with its first owner', async () => {
    const dup: Scenario = {
      ...SEEDS,
      vms: [...(SEEDS.vms ?? []), { name: 'dup01', uuid: '4210a1b2-0c3d-4e5f-8a9b-0000000000d1', instanceUuid: '5010a1b2-0c3d-4e5f-8a9b-0000000000d1', host: 'esx02', powerState: 'poweredOn', toolsRunning: true, nics: [{ mac: '00:50:56:aa:00:d1', portgroup: 'VM Network', ips: ['10.50.0.10'] }] }],
    };
    const sim = await startVcsim(dup, { tls: true });
    const dir = mkdtempSync(join(tmpdir(), 'hostwire-sync-conflict-'));
    const store = await openStore(join(dir, 'conflict.db'));
    const context = makeContext(store, 'test');
    try {
      await createWire(context, { name: 'mgmt-l2' });
      await createSubnet(context, { name: 'mgmt', wire: 'mgmt-l2', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1' });
      await createSubnet(context, { name: 'vm-50', wire: 'mgmt-l2', cidr: '10.50.0.0/24', vlan: 50 });
      await createWire(context, { name: 'island-a' });
      await createWire(context, { name: 'island-b' });
      await createSubnet(context, { name: 'vmotion-a', wire: 'island-a', cidr: '172.16.1.0/24' });
      await createSubnet(context, { name: 'vmotion-b', wire: 'island-b', cidr: '172.16.2.0/24' });
      await addAccount(context, { kind: 'vsphere', name: 'vc', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
      const result = await runSync(context, 'vc');
      const wireConflicts = result.conflicts.filter((conflict) => conflict.kind === 'wire-evidence');
      assert.deepEqual(wireConflicts.map((conflict) => conflict.message), [
        'switch vc/esx01/vSwitch1 has evidence for 2 wires; it was given its own wire until an admin maps it',
        // esx02 also sees the subnet esx01's vmk3 created on esx01's conflict wire: a third wire.
        'switch vc/esx02/vSwitch1 has evidence for 3 wires; it was given its own wire until an admin maps it',
      ]);
      assert.ok(wireConflicts[0]!.evidence.includes("esx01 vmk1 172.16.1.51 is in subnet 'vmotion-a'"));
      assert.ok(wireConflicts[0]!.evidence.includes("esx01 vmk2 172.16.2.51 is in subnet 'vmotion-b'"));
      assert.ok((await listWires(context)).some((wire) => wire.name === 'vc/esx01/vSwitch1' && wire.origin === 'auto'));
      // Management vmks put both vSwitch0s on the declared wire.
      const portgroups = await listPortgroups(context);
      assert.deepEqual([...new Set(portgroups.filter((pg) => pg.switch === 'vSwitch0').map((pg) => pg.wire))], ['mgmt-l2']);
      const duplicates = result.conflicts.filter((conflict) => conflict.kind === 'duplicate-ip');
      assert.equal(duplicates.length, 1);
      assert.match(duplicates[0]!.message, /10\.50\.0\.10 is seen on two VMs; the first owner keeps it/);
      const holders = (await listAddresses(context, { subnet: 'vm-50' })).map((record) => [record.address, record.ownerId]);
      assert.deepEqual(holders, [['10.50.0.10', '5010a1b2-0c3d-4e5f-8a9b-0000000000d1/00:50:56:aa:00:d1'], ['10.50.0.11', '5010a1b2-0c3d-4e5f-8a9b-000000000002/00:50:56:aa:00:02']]);
      const web01 = (await listVms(context)).find((vm) => vm.name === 'web01')!;
      assert.match((await ipsOf(context, web01.uuid))[0]!.reason, /^already owned by allocated to vnic:5010a1b2-0c3d-4e5f-8a9b-0000000000d1\/00:50:56:aa:00:d1/);
    } finally {
      await store.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An account for another simulator process serving the same (pinned) vCenter instance. */
async function startVcsimAccount(context: Context, sim: Awaited<ReturnType<typeof startVcsim>>, name: string): Promise<string> {
  await addAccount(context, { kind: 'vsphere', name, url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
  return name;
}

describe('vim25 client against recorded responses', () => {
  let server: Server;
  let url = '';
  const answers: string[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const method = /<(\w+) xmlns="urn:vim25">/.exec(body)?.[1] ?? '';
        const answer = answers.shift() ?? '';
        response.writeHead(answer.includes('Fault') ? 500 : 200, { 'content-type': 'text/xml', 'set-cookie': 'vmware_soap_session="abc"; Path=/' });
        response.end(answer.replaceAll('METHOD', method));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/sdk`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const envelope = (body: string) => `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
  const serviceContent = envelope('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><sessionManager type="SessionManager">SessionManager</sessionManager><about><fullName>recorded</fullName><apiVersion>8.0</apiVersion><instanceUuid>abc</instanceUuid></about></returnval></RetrieveServiceContentResponse>');
  const login = envelope('<LoginResponse xmlns="urn:vim25"><returnval><key>s</key></returnval></LoginResponse>');
  const page = (names: string[], token?: string, method = 'RetrievePropertiesEx') =>
    envelope(`<${method}Response xmlns="urn:vim25"><returnval>${token ? `<token>${token}</token>` : ''}${names.map((name, i) => `<objects><obj type="HostSystem">host-${name}-${i}</obj><propSet><name>name</name><val xsi:type="xsd:string">${name}</val></propSet></objects>`).join('')}</returnval></${method}Response>`);

  it('follows ContinueRetrievePropertiesEx tokens until the last page', async () => {
    answers.push(serviceContent, login, page(['a', 'b'], 'T1'), page(['c'], 'T2', 'ContinueRetrievePropertiesEx'), page(['d'], undefined, 'ContinueRetrievePropertiesEx'));
    const client = new VimClient({ url, username: 'u', password: 'p' });
    await client.connect();
    const objects = await client.retrieveProperties({ type: 'Folder', value: 'group-d1' }, [{ type: 'HostSystem', paths: ['name'] }]);
    assert.deepEqual(objects.map((object) => object.props.get('name')), [{ '#text': 'a', '@xsi:type': 'xsd:string' }, { '#text': 'b', '@xsi:type': 'xsd:string' }, { '#text': 'c', '@xsi:type': 'xsd:string' }, { '#text': 'd', '@xsi:type': 'xsd:string' }]);
  });

  it("reads a moref's own type whichever side of its xsi:type vCenter writes it", async () => {
    const parents = envelope(
      '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>' +
        '<objects><obj type="HostSystem">host-1</obj><propSet><name>parent</name><val type="ClusterComputeResource" xsi:type="ManagedObjectReference">domain-c7</val></propSet></objects>' +
        '<objects><obj type="HostSystem">host-2</obj><propSet><name>parent</name><val xsi:type="ManagedObjectReference" type="ComputeResource">domain-s9</val></propSet></objects>' +
        '</returnval></RetrievePropertiesExResponse>',
    );
    answers.push(serviceContent, login, parents);
    const client = new VimClient({ url, username: 'u', password: 'p' });
    await client.connect();
    const objects = await client.retrieveProperties({ type: 'Folder', value: 'group-d1' }, [{ type: 'HostSystem', paths: ['parent'] }]);
    assert.deepEqual(objects.map((object) => moref(object.props.get('parent'))), [{ type: 'ClusterComputeResource', value: 'domain-c7' }, { type: 'ComputeResource', value: 'domain-s9' }]);
    assert.deepEqual(objects.map((object) => typeOf(object.props.get('parent'))), ['ManagedObjectReference', 'ManagedObjectReference']);
  });

  it('logs in again once on NotAuthenticated', async () => {
    const notAuthenticated = envelope('<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"></NotAuthenticatedFault></detail></soapenv:Fault>');
    answers.push(serviceContent, login, notAuthenticated, login, page(['x']));
    const client = new VimClient({ url, username: 'u', password: 'p' });
    await client.connect();
    const objects = await client.retrieveProperties({ type: 'Folder', value: 'group-d1' }, [{ type: 'HostSystem', paths: ['name'] }]);
    assert.equal(objects.length, 1);
  });

  it('rejects malformed and truncated answers with a protocol error', async () => {
    for (const broken of ['not xml at all <<<', envelope('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>').slice(0, 120), '', '<html><body>502 Bad Gateway</body></html>']) {
      answers.push(broken);
      const client = new VimClient({ url, username: 'u', password: 'p' });
      await assert.rejects(client.connect(), (error: Error) => error instanceof VsphereProtocolError && /RetrieveServiceContent/.test(error.message));
    }
  });
});
