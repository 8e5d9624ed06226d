/**
 * Wires as a sync sees them: which wire each host port group belongs to (through its switch),
 * merging wires that are one L2 domain, and the evidence that suggests such merges.
 */
import { addressKey, parseAddress, parseInterfaceAddress, parsePrefix, rangesOverlap, type IpAddress } from '../domain/address.ts';
import { conflict, HostwireError, notFound } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import { listInterfaces } from '../services/hosts.ts';
import { listVnics } from '../services/vms.ts';
import { listSwitchWires, moveSwitchWires } from '../store/accounts.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import { listHosts } from '../store/inventory.ts';
import { findSpace, findSubnetContaining, listSubnets, updateSubnet, type SubnetWithNames } from '../store/subnets.ts';
import { deleteWire, findWire, listWires } from '../store/wires.ts';
import type { Conn } from '../store/store.ts';
import type { WireRow } from '../store/schema.ts';

/**
 * Where guests attach on a host: an ESXi port group, or a Linux, Xen or KVM bridge (its `switch` is
 * the device beneath it, its VLAN that of its VLAN port, 0 when it bridges an untagged device).
 */
export interface PortgroupView {
  kind: 'portgroup' | 'bridge';
  host: string;
  switch: string;
  name: string;
  vlan: number;
  /** The wire of the port group's switch, or of the subnet of a bridge's own address; null when neither is known. */
  wire: string | null;
  /** Subnets on that wire with the port group's VLAN. */
  subnets: string[];
  /** The first of `subnets`, or null. */
  subnet: string | null;
}

/** The switch_wires key of a host's switch: see reconcile/vsphere.ts. */
function switchKey(hostExternalId: string | null, switchSpec: InterfaceSpec | undefined): string | null {
  if (!hostExternalId || !switchSpec) return null;
  const instance = hostExternalId.split(':')[0];
  if (switchSpec.kind === 'dvswitch' && switchSpec.externalId) return `dvs:${instance}:${switchSpec.externalId}`;
  if (switchSpec.kind === 'vswitch') return `host:${hostExternalId}/${switchSpec.name}`;
  return null;
}

export async function listPortgroups(context: Context, filter: { host?: string } = {}): Promise<PortgroupView[]> {
  const interfaces = await listInterfaces(context, { host: filter.host });
  return context.store.read(async (conn) => {
    const mappings = new Map((await listSwitchWires(conn)).map((row) => [row.switch_key, row.wire_id]));
    const wireNames = new Map((await listWires(conn)).map((wire) => [wire.id, wire.name]));
    const subnets = await listSubnets(conn);
    const hosts = new Map((await listHosts(conn)).map((host) => [host.name, host.external_id]));
    const views: PortgroupView[] = [];
    const byName = new Map(interfaces.map((spec) => [`${spec.host}\u0000${spec.name}`, spec]));
    const view = (kind: PortgroupView['kind'], host: string, switchName: string, name: string, vlan: number, wireId: number | undefined): PortgroupView => {
      const onWire = wireId === undefined ? [] : subnets.filter((subnet) => subnet.wire_id === wireId && subnet.vlan === vlan).map((subnet) => subnet.name);
      return { kind, host, switch: switchName, name, vlan, wire: wireId === undefined ? null : (wireNames.get(wireId) ?? null), subnets: onWire, subnet: onWire[0] ?? null };
    };
    for (const spec of interfaces) {
      if (spec.kind === 'portgroup') {
        const key = switchKey(hosts.get(spec.host) ?? null, byName.get(`${spec.host}\u0000${spec.switch}`));
        views.push(view('portgroup', spec.host, spec.switch, spec.name, spec.vlan, key ? mappings.get(key) : undefined));
      }
      if (spec.kind === 'bridge') {
        const vlanPort = spec.ports.map((port) => byName.get(`${spec.host}\u0000${port}`)).find((port) => port?.kind === 'vlan');
        const below = vlanPort?.kind === 'vlan' ? vlanPort.parent : (spec.ports[0] ?? spec.name);
        // A bridge's own address says which subnet, and so which wire, it is on.
        const keys = (spec.addresses ?? []).map((text) => parseInterfaceAddress(text).address).map((address) => addressKey(address.family, address.value));
        const subnet = subnets.find((candidate) => keys.some((key) => candidate.first_key <= key && key <= candidate.last_key));
        views.push(view('bridge', spec.host, below, spec.name, vlanPort?.kind === 'vlan' ? vlanPort.vlan : 0, subnet?.wire_id));
      }
    }
    return views;
  });
}

async function requireWire(conn: Conn, name: string) {
  const wire = await findWire(conn, name);
  if (!wire) throw notFound('wire', name);
  return wire;
}

/**
 * Moves every subnet and switch mapping of the source wires into `into`, then deletes the sources.
 * Refused, naming them, when subnets of different IP spaces would overlap on the merged wire.
 */
export async function mergeWires(context: Context, sources: string[], into: string): Promise<{ into: string; moved: { subnets: string[]; switches: number } }> {
  if (!sources.length) throw new HostwireError('validation', 'name at least one wire to merge', [{ path: 'sources', message: 'empty' }]);
  if (sources.includes(into)) throw new HostwireError('validation', `wire '${into}' cannot be merged into itself`, [{ path: 'sources', message: 'contains the target' }]);
  return context.store.write(async (tx) => {
    const target = await requireWire(tx, into);
    const sourceWires: WireRow[] = [];
    for (const name of sources) sourceWires.push(await requireWire(tx, name));
    const all = await listSubnets(tx);
    const merged = all.filter((subnet) => subnet.wire_id === target.id || sourceWires.some((wire) => wire.id === subnet.wire_id));
    const clashes: string[] = [];
    for (let i = 0; i < merged.length; i++) {
      for (let j = i + 1; j < merged.length; j++) {
        const a = merged[i]!;
        const b = merged[j]!;
        if (a.space_id !== b.space_id && rangesOverlap(bounds(a), bounds(b))) clashes.push(`'${a.name}' (${a.cidr}, space ${a.space_name}) and '${b.name}' (${b.cidr}, space ${b.space_name})`);
      }
    }
    if (clashes.length) throw conflict(`the merged wire would carry overlapping subnets: ${clashes.join('; ')}; move or delete one of each pair first`);
    const at = context.now().toISOString();
    const moved: string[] = [];
    let switches = 0;
    for (const wire of sourceWires) {
      for (const subnet of all.filter((candidate) => candidate.wire_id === wire.id)) {
        await updateSubnet(tx, subnet.id, { wire_id: target.id, updated_at: at });
        await insertChanges(tx, [changeEntry(context, 'subnet', subnet, 'update', { wire: wire.name }, { wire: target.name })]);
        moved.push(subnet.name);
      }
      switches += (await listSwitchWires(tx, { wireId: wire.id })).length;
      await moveSwitchWires(tx, wire.id, target.id, at);
      await deleteWire(tx, wire.id);
      await insertChanges(tx, [changeEntry(context, 'wire', wire, 'delete', { name: wire.name, mergedInto: target.name }, null)]);
    }
    return { into: target.name, moved: { subnets: moved, switches } };
  });
}

function bounds(subnet: SubnetWithNames) {
  const prefix = parsePrefix(subnet.cidr);
  return { first: prefix.network, last: prefix.last };
}

export interface MergeSuggestion {
  wires: string[];
  into: string;
  evidence: string[];
}

/** What merge suggestions are drawn from; the audit supplies it from its loaded estate, `suggestMerges` from the store. */
export interface MergeEvidence {
  vnics: Iterable<{ vm: string; host: string | null; portgroup: string | null; observedIps: string[] }>;
  /** A host's port group with its VLAN and the wire of its switch (null for a host no sync maps). */
  portgroupOf(host: string, name: string): { vlan: number; wire: string | null } | undefined;
  autoWires: ReadonlySet<string>;
  subnetContaining(address: IpAddress): { name: string; wire: string; vlan: number } | null | Promise<{ name: string; wire: string; vlan: number } | null>;
}

/**
 * Auto-created wires that evidence says are one L2 domain with another wire: VM IPs seen on a port
 * group of an auto wire's switch that fall in a subnet of another wire whose VLAN matches the
 * port group's.
 */
export async function suggestMergesFrom(evidence: MergeEvidence): Promise<MergeSuggestion[]> {
  const suggestions = new Map<string, MergeSuggestion>();
  for (const vnic of evidence.vnics) {
    const portgroup = vnic.host && vnic.portgroup ? evidence.portgroupOf(vnic.host, vnic.portgroup) : undefined;
    if (!portgroup?.wire || !evidence.autoWires.has(portgroup.wire)) continue;
    for (const ip of vnic.observedIps) {
      let address;
      try {
        address = parseAddress(ip);
      } catch {
        continue;
      }
      const subnet = await evidence.subnetContaining(address);
      if (!subnet || subnet.wire === portgroup.wire || subnet.vlan !== portgroup.vlan) continue;
      const key = `${portgroup.wire}\u0000${subnet.wire}`;
      const suggestion = suggestions.get(key) ?? { wires: [portgroup.wire], into: subnet.wire, evidence: [] };
      suggestion.evidence.push(`VM ${vnic.vm} ${ip} on ${vnic.host} port group '${vnic.portgroup}' (VLAN ${portgroup.vlan}) is in subnet '${subnet.name}' of wire '${subnet.wire}'`);
      suggestions.set(key, suggestion);
    }
  }
  return [...suggestions.values()].sort((a, b) => a.wires[0]!.localeCompare(b.wires[0]!));
}

/** `wire suggest-merges`: the evidence as stored, subnets looked up in the default space. */
export async function suggestMerges(context: Context): Promise<MergeSuggestion[]> {
  const views = new Map((await listPortgroups(context)).map((view) => [`${view.host}\u0000${view.name}`, view]));
  const vnics = await listVnics(context);
  return context.store.read(async (conn) => {
    const space = (await findSpace(conn, 'default'))!;
    const autoWires = new Set((await listWires(conn)).filter((wire) => wire.origin === 'auto').map((wire) => wire.name));
    return suggestMergesFrom({
      vnics,
      portgroupOf: (host, name) => views.get(`${host}\u0000${name}`),
      autoWires,
      subnetContaining: async (address) => {
        const row = await findSubnetContaining(conn, space.id, addressKey(address.family, address.value));
        return row ? { name: row.name, wire: row.wire_name, vlan: row.vlan } : null;
      },
    });
  });
}
