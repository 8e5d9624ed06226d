/**
 * A small estate to look at: the Oracle VM layout of seed 001 (management on VLAN 100, VM VLANs 50
 * and 51 on one trunk), the three non-routed vMotion islands of seed 002, and an IPv6 VM network.
 */
import { allocate, reserve } from '../ipam/allocation.ts';
import { createSubnet, type SubnetInput } from '../ipam/subnets.ts';
import type { Context } from '../store/context.ts';
import { findWire } from '../store/wires.ts';
import { createWire } from './wires.ts';

const WIRES = [
  { name: 'dc1-trunk', mtu: 1500, description: 'Access-layer trunk of rack 1: management and VM VLANs' },
  { name: 'vmotion-a', mtu: 9000, description: 'vMotion island A (not routed)' },
  { name: 'vmotion-b', mtu: 9000, description: 'vMotion island B (not routed)' },
  { name: 'vmotion-c', mtu: 9000, description: 'vMotion island C (not routed)' },
];

const SUBNETS: SubnetInput[] = [
  { name: 'mgmt', wire: 'dc1-trunk', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1', dns: ['10.1.1.10', '10.1.1.11'], domain: 'dc1.example.net', pools: ['10.1.1.50-10.1.1.199'] },
  { name: 'vm-web', wire: 'dc1-trunk', cidr: '10.50.0.0/22', vlan: 50, gateway: '10.50.0.1', dns: ['10.1.1.10'], policy: 'highest', holdDownSeconds: 300 },
  { name: 'vm-db', wire: 'dc1-trunk', cidr: '10.51.0.0/24', vlan: 51, gateway: '10.51.0.1', policy: 'random' },
  { name: 'vm-v6', wire: 'dc1-trunk', cidr: '2001:db8:50::/64', vlan: 52, gateway: '2001:db8:50::1' },
  { name: 'vmotion-1', wire: 'vmotion-a', cidr: '172.16.1.0/24' },
  { name: 'vmotion-2', wire: 'vmotion-b', cidr: '172.16.2.0/24' },
  { name: 'vmotion-3', wire: 'vmotion-c', cidr: '172.16.3.0/24' },
];

/** Creates the demo estate unless it is already there; returns whether it created anything. */
export async function seedDemo(context: Context): Promise<boolean> {
  if (await context.store.read((conn) => findWire(conn, WIRES[0]!.name))) return false;
  for (const wire of WIRES) await createWire(context, wire);
  for (const subnet of SUBNETS) await createSubnet(context, subnet);
  // Seed 002: every host's vmks share the last octet of its management address.
  for (const octet of [51, 52, 53, 54]) {
    await allocate(context, { subnet: 'mgmt', address: `10.1.1.${octet}`, owner: { kind: 'host-interface', id: `esx${octet - 50}/vmk0` } });
    for (const island of [1, 2, 3]) {
      await allocate(context, { subnet: `vmotion-${island}`, address: `172.16.${island}.${octet}`, owner: { kind: 'host-interface', id: `esx${octet - 50}/vmk${island}` } });
    }
  }
  await reserve(context, { subnet: 'mgmt', address: '10.1.1.10', note: 'DNS/NTP server ns1' });
  await reserve(context, { subnet: 'mgmt', address: '10.1.1.11', note: 'DNS/NTP server ns2' });
  await allocate(context, { subnet: 'vm-web', count: 40, note: 'web farm' });
  await allocate(context, { subnet: 'vm-db', count: 12, note: 'database cluster' });
  await allocate(context, { subnet: 'vm-v6', count: 8, note: 'IPv6 canaries' });
  return true;
}
