/**
 * A vCenter sync at scale against govmomi's simulator (test/vcsim): a generated estate of 100 hosts
 * x 20 VMs = 2,000 VMs, each with one NIC on "VM Network" (VLAN 50) and one guest IP in
 * 10.128.0.0/16, each host with vmk0 (management) at a unique 10.64.x.y/16 on vSwitch0, "Management
 * Network" (VLAN 0). See the "generate" section of test/vcsim/main.go and expand() in scenario.go.
 *
 * What the sync must make of it (src/reconcile/vsphere.ts, hosts in name order):
 * - esx-gen-0001's vSwitch0 has no evidence: it gets its own auto wire vc/esx-gen-0001/vSwitch0,
 *   and its vmk0 creates auto-10.64.0.0-16 (VLAN 0, gateway 10.64.0.1) on it;
 * - every later vSwitch0 has host-IP evidence (its vmk0 is in that subnet): all join that one wire;
 * - no subnet contains 10.128.x.y: every VM IP waits in the VM's sync_ips tag with the reason;
 * - once the admin declares 10.128.0.0/16 VLAN 50 on that wire, every VM IP attaches to its vNIC;
 * - a sync after that writes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAddresses } from '../src/ipam/allocation.ts';
import { createSubnet, listSubnets } from '../src/ipam/subnets.ts';
import { runSync, type SyncResult } from '../src/reconcile/sync.ts';
import { listPortgroups } from '../src/reconcile/wires.ts';
import { addAccount } from '../src/services/accounts.ts';
import { listChanges } from '../src/services/changes.ts';
import { listHosts } from '../src/services/hosts.ts';
import { listTags } from '../src/services/tags.ts';
import { listVms, type VmDetail } from '../src/services/vms.ts';
import { listWires } from '../src/services/wires.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { startVcsim, type Vcsim } from './vcsim/harness.ts';

const HOSTS = 100;
const VMS_PER_HOST = 20;
const VMS = HOSTS * VMS_PER_HOST;
const WIRE = 'vc/esx-gen-0001/vSwitch0';
const NO_SUBNET = 'no subnet contains it: add a subnet that contains it on the right wire and sync again';

const hostName = (i: number) => `esx-gen-${String(i).padStart(4, '0')}`;
/** The generator's VM k (1-based, in host order) is <host>-vmNN at 10.128.(v>>8).(v&255), v = k + 10. */
function expectedVms(): Map<string, { host: string; ip: string }> {
  const vms = new Map<string, { host: string; ip: string }>();
  let k = 0;
  for (let i = 1; i <= HOSTS; i++) {
    for (let j = 1; j <= VMS_PER_HOST; j++) {
      const v = ++k + 10;
      vms.set(`${hostName(i)}-vm${String(j).padStart(2, '0')}`, { host: hostName(i), ip: `10.128.${v >> 8}.${v & 0xff}` });
    }
  }
  return vms;
}

const syncIpsOf = async (context: Context, uuid: string) => JSON.parse((await listTags(context, { kind: 'vm', name: uuid })).sync_ips ?? '[]') as { address: string; mac: string; reason: string }[];

describe('vCenter sync at scale', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sync-scale-'));
  const expected = expectedVms();
  const timings: string[] = [];
  let sim: Vcsim;
  let store: Store;
  let context: Context;
  let vms: VmDetail[] = [];

  const timed = async (label: string, sync: () => Promise<SyncResult>) => {
    const start = performance.now();
    const result = await sync();
    timings.push(`${label}: ${Math.round(performance.now() - start)} ms (fetch ${result.fetchMs}, reconcile ${result.reconcileMs})`);
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.gaps, []);
    return result;
  };

  before(async () => {
    process.env.HOSTWIRE_SECRET_KEY = 'sync-scale-test-key';
    const start = performance.now();
    sim = await startVcsim({ generate: { hosts: HOSTS, vmsPerHost: VMS_PER_HOST, cluster: 'bulk' } }, { tls: true });
    timings.push(`simulator up: ${Math.round(performance.now() - start)} ms`);
    store = await openStore(join(dir, 'scale.db'));
    context = makeContext(store, 'test');
    await addAccount(context, { kind: 'vsphere', name: 'vc', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
  });
  after(async () => {
    await store?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`# sync-scale timings: ${timings.join('; ')}\n`);
  });

  it('a scenario with thousands of VMs still syncs: every host, every VM, every IP accounted for', async () => {
    const result = await timed('first sync', () => runSync(context, 'vc'));
    assert.deepEqual(result.conflicts, []);
    assert.equal(result.syncIps, VMS);

    const hosts = await listHosts(context);
    assert.equal(hosts.length, HOSTS);
    assert.deepEqual(
      hosts.map((host) => [host.name, host.cluster, host.sourceAccount]),
      Array.from({ length: HOSTS }, (_, i) => [hostName(i + 1), 'bulk', 'vc']),
    );

    vms = await listVms(context);
    assert.equal(vms.length, VMS);
    assert.equal(new Set(vms.map((vm) => vm.uuid)).size, VMS, 'one VM per instance UUID');
    for (const vm of vms) {
      const want = expected.get(vm.name);
      assert.ok(want, `unexpected VM ${vm.name}`);
      assert.equal(vm.vnics.length, 1, vm.name);
      assert.deepEqual([vm.vnics[0]!.portgroup, vm.vnics[0]!.observedIps], ['VM Network', [want.ip]], vm.name);
    }
    assert.deepEqual(new Set(vms.map((vm) => vm.name)), new Set(expected.keys()));

    // One wire for every vSwitch0 (host-IP evidence), with the one auto subnet of the vmk0s.
    assert.deepEqual((await listWires(context)).map((wire) => [wire.name, wire.origin]), [[WIRE, 'auto']]);
    assert.deepEqual((await listSubnets(context)).map((subnet) => [subnet.name, subnet.wire, subnet.cidr, subnet.vlan, subnet.gateway, subnet.utilization.used]), [
      ['auto-10.64.0.0-16', WIRE, '10.64.0.0/16', 0, '10.64.0.1', String(HOSTS + 1)],
    ]);
    const vmNetworks = (await listPortgroups(context)).filter((pg) => pg.name === 'VM Network');
    assert.equal(vmNetworks.length, HOSTS);
    assert.ok(vmNetworks.every((pg) => pg.wire === WIRE && pg.vlan === 50 && pg.subnet === null));
    const vmks = (await listAddresses(context, { state: 'allocated' })).filter((record) => record.ownerKind === 'host-interface');
    assert.equal(vmks.length, HOSTS);

    // Every generated VM IP is attached or in sync_ips; with no subnet for them, all in sync_ips.
    const attached = (await listAddresses(context)).filter((record) => record.ownerKind === 'vnic');
    assert.deepEqual(attached, []);
    for (const vm of vms) {
      assert.deepEqual(await syncIpsOf(context, vm.uuid), [{ address: expected.get(vm.name)!.ip, mac: vm.vnics[0]!.mac, reason: NO_SUBNET }], vm.name);
    }
  });

  it('attaches all 2,000 VM IPs once their subnet is declared on the wire, and a further sync writes nothing', async () => {
    await createSubnet(context, { name: 'vm-gen', wire: WIRE, cidr: '10.128.0.0/16', vlan: 50, gateway: '10.128.0.1' });
    const result = await timed('sync after declaring 10.128.0.0/16', () => runSync(context, 'vc'));
    assert.deepEqual(result.conflicts, []);
    assert.equal(result.syncIps, 0);
    assert.equal(result.counts.address?.created, VMS);

    const owned = (await listAddresses(context)).filter((record) => record.ownerKind === 'vnic');
    assert.equal(owned.length, VMS, 'exactly one vNIC-owned address per VM');
    assert.equal(new Set(owned.map((record) => record.address)).size, VMS, 'no address twice');
    assert.equal(new Set(owned.map((record) => record.ownerId)).size, VMS, 'no vNIC with two addresses');
    assert.ok(owned.every((record) => record.subnet === 'vm-gen' && record.state === 'allocated'));
    const byOwner = new Map(owned.map((record) => [record.ownerId, record.address]));
    for (const vm of vms) {
      assert.equal(byOwner.get(`${vm.uuid}/${vm.vnics[0]!.mac}`), expected.get(vm.name)!.ip, vm.name);
      assert.deepEqual(await syncIpsOf(context, vm.uuid), [], vm.name);
    }
    assert.ok((await listPortgroups(context)).filter((pg) => pg.name === 'VM Network').every((pg) => pg.subnet === 'vm-gen'));

    const changes = (await listChanges(context)).length;
    const again = await timed('no-change sync', () => runSync(context, 'vc'));
    assert.deepEqual(again.counts, {});
    assert.equal(again.syncIps, 0);
    assert.equal((await listChanges(context)).length, changes, 'no change-log entry');
    assert.equal((await listAddresses(context)).filter((record) => record.ownerKind === 'vnic').length, VMS);
  });
});
