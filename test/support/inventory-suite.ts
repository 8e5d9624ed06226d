/**
 * Hosts, the interface graph, VMs, vNICs and tags: the same behaviour on every dialect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostwireError } from '../../src/domain/errors.ts';
import { listChanges } from '../../src/services/changes.ts';
import { listHosts, setHostInterfaces, showHost, upsertHost } from '../../src/services/hosts.ts';
import { deleteTag, listTags, setTag } from '../../src/services/tags.ts';
import { listVms, showVm, upsertVm } from '../../src/services/vms.ts';
import { makeContext, type Context } from '../../src/store/context.ts';
import type { Store } from '../../src/store/store.ts';
import { markRemoved } from '../../src/store/inventory.ts';
import { countEstate } from '../../src/store/summary.ts';
import { createSubnet } from '../../src/ipam/subnets.ts';
import { createWire } from '../../src/services/wires.ts';

async function withContext(open: () => Promise<Store>, work: (context: Context) => Promise<void>): Promise<void> {
  const store = await open();
  try {
    await work(makeContext(store, 'test'));
  } finally {
    await store.close();
  }
}

async function rejects(promise: Promise<unknown>, kind: HostwireError['kind'], pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HostwireError, String(error));
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Seed 002's ESXi layout: one vMotion vSwitch with two uplinks and a vmk pinned to each. */
const ESX_INTERFACES = [
  { kind: 'physical', name: 'vmnic0', mac: '00:50:56:00:00:01', speedMbps: 1000, driver: 'igb' },
  { kind: 'physical', name: 'vmnic2', mac: '00:50:56:00:00:02', speedMbps: 1000, driver: 'igb' },
  { kind: 'physical', name: 'vmnic3', mac: '00:50:56:00:00:03', speedMbps: 1000, driver: 'igb' },
  { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0'] },
  { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
  { kind: 'portgroup', name: 'Management Network', switch: 'vSwitch0', vlan: 100 },
  { kind: 'vmk', name: 'vmk0', attachment: 'Management Network', addresses: ['10.1.1.51/24'], services: ['management'] },
  { kind: 'vswitch', name: 'vSwitch1', uplinks: ['vmnic2', 'vmnic3'], mtu: 9000, teaming: { loadBalancing: 'srcid', active: ['vmnic2', 'vmnic3'] } },
  { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic2'], unused: ['vmnic3'] } },
  { kind: 'portgroup', name: 'vMotion-2', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic3'], unused: ['vmnic2'] } },
  { kind: 'vmk', name: 'vmk1', attachment: 'vMotion-1', addresses: ['172.16.1.51/24'], services: ['vmotion'], mtu: 9000 },
  { kind: 'vmk', name: 'vmk2', attachment: 'vMotion-2', addresses: ['172.16.2.51/24'], services: ['vmotion'], mtu: 9000 },
];

const VM_UUID = '4210a1b2-0c3d-4e5f-8a9b-0c1d2e3f4a5b';

export function defineInventorySuite(open: () => Promise<Store>): void {
  describe('inventory', () => {
    it('stores a host and its interface graph, and re-applying the same set writes nothing', () =>
      withContext(open, async (context) => {
        await upsertHost(context, { name: 'esx01', platform: 'esxi', cluster: 'prod', managementAddress: '10.1.1.51', hardwareUuid: '30313436-3631-5a43-3332-303130304e32' });
        const applied = await setHostInterfaces(context, 'esx01', ESX_INTERFACES);
        assert.equal(applied.interfaces.length, ESX_INTERFACES.length);
        const shown = await showHost(context, 'esx01');
        assert.equal(shown.osFamily, 'esxi');
        const vmotion = shown.interfaces.find((spec) => spec.name === 'vMotion-1');
        assert.deepEqual(vmotion, { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic2'], unused: ['vmnic3'] } });
        const vmnic = shown.interfaces.find((spec) => spec.name === 'vmnic2');
        assert.deepEqual(vmnic, { kind: 'physical', name: 'vmnic2', mac: '00:50:56:00:00:02', speedMbps: 1000, driver: 'igb' });
        const changes = (await listChanges(context, { objectKind: 'host' })).length;
        await setHostInterfaces(context, 'esx01', [...ESX_INTERFACES].reverse());
        assert.equal((await listChanges(context, { objectKind: 'host' })).length, changes, 'an identical set is not a change');
        await upsertHost(context, { name: 'esx01', platform: 'esxi', cluster: 'prod', managementAddress: '10.1.1.51', hardwareUuid: '30313436-3631-5a43-3332-303130304e32' });
        assert.equal((await listChanges(context, { objectKind: 'host' })).length, changes, 'an identical host is not a change');
        assert.deepEqual((await listHosts(context, { cluster: 'prod' })).map((host) => host.name), ['esx01']);
      }));

    it('counts hosts and VMs still present, wires and subnets, for the estate summary', () =>
      withContext(open, async (context) => {
        await upsertHost(context, { name: 'esx01', platform: 'esxi' });
        const gone = await upsertHost(context, { name: 'esx02', platform: 'esxi' });
        await upsertVm(context, { uuid: '4210a1b2-0c3d-4e5f-8a9b-00000000c0c1', name: 'web01', host: 'esx01', vnics: [] });
        await context.store.write((tx) => markRemoved(tx, 'hosts', gone.id, context.now().toISOString()));
        await createWire(context, { name: 'dc1' });
        await createSubnet(context, { name: 'web', wire: 'dc1', cidr: '10.50.0.0/24' });
        await createSubnet(context, { name: 'db', wire: 'dc1', cidr: '10.51.0.0/24' });
        const counts = await context.store.read((conn) => countEstate(conn));
        assert.deepEqual(counts, { hosts: 1, vms: 1, wires: 1, subnets: 2 }, 'numbers on both dialects (PostgreSQL counts as bigint strings)');
      }));

    it('refuses an invalid graph, kinds the platform lacks, and bad host fields, writing nothing', () =>
      withContext(open, async (context) => {
        await upsertHost(context, { name: 'ovm1', platform: 'ovm' });
        await rejects(setHostInterfaces(context, 'ovm1', ESX_INTERFACES), 'validation', /vSwitch0 is a vswitch, which a ovm host does not have/);
        await rejects(setHostInterfaces(context, 'ovm1', [{ kind: 'physical', name: 'eth0' }, { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: '802.3ad' }]), 'validation', /'eth1'.*no interface has that name/);
        await rejects(setHostInterfaces(context, 'ovm1', [{ kind: 'physical', name: 'eth0', mac: '00:14:5e:c0:ff:ee' }, { kind: 'physical', name: 'eth1', mac: '00:14:5E:C0:FF:EE' }]), 'validation', /already the MAC of eth0/);
        await rejects(upsertHost(context, { name: 'esx9', platform: 'esxi', osFamily: 'rhel' }), 'validation', /osFamily/);
        await rejects(upsertHost(context, { name: 'x', platform: 'hyperv' }), 'validation', /platform.*esxi, kvm, xen, ovm/);
        await rejects(upsertHost(context, { name: 'x', platform: 'kvm', hardwareUuid: 'nope' }), 'validation', /hardwareUuid/);
        await rejects(setHostInterfaces(context, 'nohost', []), 'not_found', /host 'nohost'/);
        assert.deepEqual((await showHost(context, 'ovm1')).interfaces, []);
        assert.deepEqual((await listHosts(context)).map((host) => host.name), ['ovm1']);
      }));

    it('keeps VMs by UUID with vNICs on port groups, and updates only what changed', () =>
      withContext(open, async (context) => {
        await upsertHost(context, { name: 'esx01', platform: 'esxi' });
        await setHostInterfaces(context, 'esx01', ESX_INTERFACES);
        const vm = await upsertVm(context, {
          uuid: VM_UUID.toUpperCase(),
          name: 'web01',
          host: 'esx01',
          powerState: 'poweredOn',
          toolsState: 'running',
          vnics: [{ mac: '00:50:56:AA:00:01', portgroup: 'VM Network', observedIps: ['10.50.0.10', '2001:DB8::10'] }],
        });
        assert.equal(vm.uuid, VM_UUID);
        assert.deepEqual(vm.vnics.map((vnic) => [vnic.mac, vnic.portgroup, vnic.observedIps]), [['00:50:56:aa:00:01', 'VM Network', ['10.50.0.10', '2001:db8::10']]]);
        const changes = (await listChanges(context, { objectKind: 'vm' })).length;
        await upsertVm(context, { uuid: VM_UUID, name: 'web01', host: 'esx01', powerState: 'poweredOn', toolsState: 'running', vnics: [{ mac: '00:50:56:aa:00:01', portgroup: 'VM Network', observedIps: ['10.50.0.10', '2001:db8::10'] }] });
        assert.equal((await listChanges(context, { objectKind: 'vm' })).length, changes);
        await upsertVm(context, { uuid: VM_UUID, name: 'web01', host: 'esx01', powerState: 'poweredOff', vnics: [] });
        const updated = await showVm(context, VM_UUID);
        assert.equal(updated.powerState, 'poweredOff');
        assert.deepEqual(updated.vnics, []);
        assert.equal((await listChanges(context, { objectKind: 'vm' })).length, changes + 1);
        await rejects(upsertVm(context, { uuid: VM_UUID, name: 'web01', host: 'esx01', vnics: [{ mac: '00:50:56:aa:00:02', portgroup: 'Nope' }] }), 'validation', /'Nope' is not a port group/);
        await rejects(upsertVm(context, { uuid: 'x', name: 'web01' }), 'validation', /uuid/);
        await rejects(upsertVm(context, { uuid: VM_UUID, name: 'web01', vnics: [{ mac: '00:50:56:aa:00:02', observedIps: ['10.0.0.300'] }] }), 'validation', /vnics\.0\.observedIps\.0/);
        assert.deepEqual((await listVms(context, { host: 'esx01' })).map((listed) => listed.name), ['web01']);
      }));

    it('detaches vNICs when their port group is removed from the host', () =>
      withContext(open, async (context) => {
        await upsertHost(context, { name: 'esx01', platform: 'esxi' });
        await setHostInterfaces(context, 'esx01', ESX_INTERFACES);
        await upsertVm(context, { uuid: VM_UUID, name: 'web01', host: 'esx01', vnics: [{ mac: '00:50:56:aa:00:01', portgroup: 'VM Network' }] });
        await setHostInterfaces(context, 'esx01', ESX_INTERFACES.filter((spec) => spec.name !== 'VM Network'));
        assert.equal((await showVm(context, VM_UUID)).vnics[0]?.portgroup, null);
      }));

    it('tags objects, including sync_ips on a VM', () =>
      withContext(open, async (context) => {
        await upsertVm(context, { uuid: VM_UUID, name: 'web01' });
        await setTag(context, { kind: 'vm', name: VM_UUID }, 'sync_ips', JSON.stringify(['192.168.7.10']));
        await setTag(context, { kind: 'vm', name: VM_UUID }, 'owner', 'team-a');
        assert.deepEqual(await listTags(context, { kind: 'vm', name: VM_UUID }), { owner: 'team-a', sync_ips: '["192.168.7.10"]' });
        await deleteTag(context, { kind: 'vm', name: VM_UUID }, 'owner');
        assert.deepEqual(Object.keys(await listTags(context, { kind: 'vm', name: VM_UUID })), ['sync_ips']);
        await rejects(setTag(context, { kind: 'vm', name: VM_UUID }, '1bad key', 'x'), 'validation', /tag key/);
        await rejects(setTag(context, { kind: 'host', name: 'none' }, 'a', 'x'), 'not_found', /host 'none'/);
        await rejects(deleteTag(context, { kind: 'vm', name: VM_UUID }, 'owner'), 'not_found', /tag 'owner'/);
      }));
  });
}
