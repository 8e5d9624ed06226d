/**
 * A small estate to look at: the Oracle VM layout of seed 001 (management on VLAN 100, VM VLANs 50
 * and 51 on one trunk), the three non-routed vMotion islands of seed 002, and an IPv6 VM network.
 */
import { allocate, reserve } from '../ipam/allocation.ts';
import { createSubnet, type SubnetInput } from '../ipam/subnets.ts';
import type { Context } from '../store/context.ts';
import { listWires as listWireRows } from '../store/wires.ts';
import { setHostInterfaces, upsertHost } from './hosts.ts';
import { setTag } from './tags.ts';
import { upsertVm } from './vms.ts';
import { createWire } from './wires.ts';

const WIRES = [
  { name: 'dc1-trunk', mtu: 1500, description: 'Access-layer trunk of rack 1: management and VM VLANs' },
  { name: 'vmotion-a', mtu: 9000, description: 'vMotion island A (not routed)' },
  { name: 'vmotion-b', mtu: 9000, description: 'vMotion island B (not routed)' },
  { name: 'vmotion-c', mtu: 9000, description: 'vMotion island C (not routed)' },
  { name: 'xen-lab', mtu: 1500, description: 'Xen lab trunk: VLANs 10 and 20 on eth0 (seed 003)' },
];

const SUBNETS: SubnetInput[] = [
  { name: 'mgmt', wire: 'dc1-trunk', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1', dns: ['10.1.1.10', '10.1.1.11'], domain: 'dc1.example.net', pools: ['10.1.1.50-10.1.1.199'] },
  { name: 'vm-web', wire: 'dc1-trunk', cidr: '10.50.0.0/22', vlan: 50, gateway: '10.50.0.1', dns: ['10.1.1.10'], policy: 'highest', holdDownSeconds: 300 },
  { name: 'vm-db', wire: 'dc1-trunk', cidr: '10.51.0.0/24', vlan: 51, gateway: '10.51.0.1', policy: 'random' },
  { name: 'vm-v6', wire: 'dc1-trunk', cidr: '2001:db8:50::/64', vlan: 52, gateway: '2001:db8:50::1' },
  { name: 'vmotion-1', wire: 'vmotion-a', cidr: '172.16.1.0/24' },
  { name: 'vmotion-2', wire: 'vmotion-b', cidr: '172.16.2.0/24' },
  { name: 'vmotion-3', wire: 'vmotion-c', cidr: '172.16.3.0/24' },
  { name: 'xen-10', wire: 'xen-lab', cidr: '192.168.10.0/24', vlan: 10, gateway: '192.168.10.1' },
  { name: 'xen-20', wire: 'xen-lab', cidr: '192.168.20.0/24', vlan: 20, gateway: '192.168.20.1' },
];

/** A seed 002 ESXi host: vSwitch0 for management and VMs, vSwitch1 with one vMotion vmk per island, addresses ending in `octet`. */
export function esxInterfaces(octet: number) {
  return [
    { kind: 'physical', name: 'vmnic0', mac: `00:50:56:01:${octet}:00`, speedMbps: 10000, driver: 'ixgben' },
    { kind: 'physical', name: 'vmnic1', mac: `00:50:56:01:${octet}:01`, speedMbps: 10000, driver: 'ixgben' },
    { kind: 'physical', name: 'vmnic2', mac: `00:50:56:01:${octet}:02`, speedMbps: 1000, driver: 'igbn' },
    { kind: 'physical', name: 'vmnic3', mac: `00:50:56:01:${octet}:03`, speedMbps: 1000, driver: 'igbn' },
    { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing: 'srcid', active: ['vmnic0'], standby: ['vmnic1'] } },
    { kind: 'portgroup', name: 'Management Network', switch: 'vSwitch0', vlan: 100 },
    { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
    { kind: 'vmk', name: 'vmk0', attachment: 'Management Network', addresses: [`10.1.1.${octet}/24`], services: ['management'] },
    { kind: 'vswitch', name: 'vSwitch1', uplinks: ['vmnic2', 'vmnic3'], mtu: 9000, teaming: { loadBalancing: 'srcid', active: ['vmnic2', 'vmnic3'] } },
    ...[1, 2, 3].flatMap((island) => [
      { kind: 'portgroup', name: `vMotion-${island}`, switch: 'vSwitch1', vlan: 0, teaming: { active: [island === 2 ? 'vmnic3' : 'vmnic2'], unused: [island === 2 ? 'vmnic2' : 'vmnic3'] } },
      { kind: 'vmk', name: `vmk${island}`, attachment: `vMotion-${island}`, addresses: [`172.16.${island}.${octet}/24`], services: ['vmotion'], mtu: 9000 },
    ]),
  ];
}

/** Seed 001: an Oracle VM host with an 802.3ad bond, a trunk, and one bridge per VLAN. */
export const OVM_INTERFACES = [
  { kind: 'physical', name: 'eth0', mac: '00:14:5e:c0:ff:ee' },
  { kind: 'physical', name: 'eth1', mac: '00:14:5e:c0:ff:ef' },
  { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: '802.3ad', miimon: 100, switchNote: 'po1: Gi1/1, Gi1/2, LACP active' },
  ...[50, 51, 100].flatMap((vlan) => [
    { kind: 'vlan', name: `bond0.${vlan}`, parent: 'bond0', vlan },
    { kind: 'bridge', name: `vlan${vlan}`, ports: [`bond0.${vlan}`], stp: false, ...(vlan === 100 ? { addresses: ['10.1.1.101/24'] } : {}) },
  ]),
];

/** Seed 003: a Xen host with one bridge per VLAN on eth0 (xenbr10, xenbr20). */
export const XEN_INTERFACES = [
  { kind: 'physical', name: 'eth0', mac: '00:16:3e:10:00:01', speedMbps: 1000 },
  ...[10, 20].flatMap((vlan) => [
    { kind: 'vlan', name: `eth0.${vlan}`, parent: 'eth0', vlan },
    { kind: 'bridge', name: `xenbr${vlan}`, ports: [`eth0.${vlan}`], stp: false, ...(vlan === 10 ? { addresses: ['192.168.10.5/24'] } : {}) },
  ]),
];

/** Fills an empty store with the demo estate; a store that has any wire is left alone. Returns whether it filled it. */
export async function seedDemo(context: Context): Promise<boolean> {
  if ((await context.store.read((conn) => listWireRows(conn, { limit: 1 }))).length) return false;
  for (const wire of WIRES) await createWire(context, wire);
  for (const subnet of SUBNETS) await createSubnet(context, subnet);
  // Seed 002: every host's vmks share the last octet of its management address.
  for (const octet of [51, 52]) {
    const host = `esx0${octet - 50}`;
    await upsertHost(context, { name: host, platform: 'esxi', cluster: 'prod', managementAddress: `10.1.1.${octet}` });
    // esx02's standby uplink has lost its link, as a vCenter sync would see it.
    const links = { vmnic0: 'up', vmnic1: octet === 52 ? 'down' : 'up', vmnic2: 'up', vmnic3: 'up' } as const;
    await setHostInterfaces(context, host, esxInterfaces(octet), { observation: { format: 'demo', source: 'demo estate', linkState: links } });
    await allocate(context, { subnet: 'mgmt', address: `10.1.1.${octet}`, owner: { kind: 'host-interface', id: `${host}/vmk0` } });
    for (const island of [1, 2, 3]) {
      await allocate(context, { subnet: `vmotion-${island}`, address: `172.16.${island}.${octet}`, owner: { kind: 'host-interface', id: `${host}/vmk${island}` } });
    }
  }
  await upsertHost(context, { name: 'xen1', platform: 'xen', managementAddress: '192.168.10.5' });
  await setHostInterfaces(context, 'xen1', XEN_INTERFACES);
  await allocate(context, { subnet: 'xen-10', address: '192.168.10.5', owner: { kind: 'host-interface', id: 'xen1/xenbr10' } });
  await upsertVm(context, {
    uuid: '4210a1b2-0c3d-4e5f-8a9b-000000000010',
    name: 'lab-router',
    host: 'xen1',
    powerState: 'poweredOn',
    vnics: [{ mac: '00:16:3e:20:00:10', portgroup: 'xenbr20', networkName: 'xenbr20', observedIps: ['192.168.20.10'] }],
  });
  await allocate(context, { subnet: 'xen-20', address: '192.168.20.10', owner: { kind: 'vnic', id: '4210a1b2-0c3d-4e5f-8a9b-000000000010/00:16:3e:20:00:10' } });
  await upsertHost(context, { name: 'ovm1', platform: 'ovm', cluster: 'xen-pool', managementAddress: '10.1.1.101' });
  // Seed 001's second bond member has no carrier, as `host import --format linux-facts` would record it.
  const bondLinks = { eth0: 'up', eth1: 'down', 'bond0/eth0': 'up', 'bond0/eth1': 'down', bond0: 'up' } as const;
  await setHostInterfaces(context, 'ovm1', OVM_INTERFACES, { observation: { format: 'demo', source: 'demo estate', linkState: bondLinks } });
  await allocate(context, { subnet: 'mgmt', address: '10.1.1.101', owner: { kind: 'host-interface', id: 'ovm1/vlan100' } });
  for (const [index, name] of ['web01', 'web02', 'db01'].entries()) {
    await upsertVm(context, {
      uuid: `4210a1b2-0c3d-4e5f-8a9b-00000000000${index + 1}`,
      name,
      host: `esx0${(index % 2) + 1}`,
      powerState: 'poweredOn',
      toolsState: 'running',
      vnics: [{ mac: `00:50:56:aa:00:0${index + 1}`, portgroup: 'VM Network', observedIps: [index === 2 ? '192.168.77.20' : `10.50.3.${250 - index}`] }],
    });
    if (index < 2) await allocate(context, { subnet: 'vm-web', address: `10.50.3.${250 - index}`, owner: { kind: 'vnic', id: `4210a1b2-0c3d-4e5f-8a9b-00000000000${index + 1}/00:50:56:aa:00:0${index + 1}` } });
  }
  // Seed 004: an IP no subnet owns stays on the VM as sync_ips until its subnet is declared.
  await setTag(context, { kind: 'vm', name: '4210a1b2-0c3d-4e5f-8a9b-000000000003' }, 'sync_ips', JSON.stringify([{ address: '192.168.77.20', mac: '00:50:56:aa:00:03', reason: 'no subnet contains it: add a subnet that contains it on the right wire and sync again' }]));
  await reserve(context, { subnet: 'mgmt', address: '10.1.1.10', note: 'DNS/NTP server ns1' });
  await reserve(context, { subnet: 'mgmt', address: '10.1.1.11', note: 'DNS/NTP server ns2' });
  await allocate(context, { subnet: 'vm-web', count: 40, note: 'web farm' });
  await allocate(context, { subnet: 'vm-db', count: 12, note: 'database cluster' });
  await allocate(context, { subnet: 'vm-v6', count: 8, note: 'IPv6 canaries' });
  return true;
}
