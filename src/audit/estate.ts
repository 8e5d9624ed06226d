/**
 * The whole estate in memory, indexed for the audit rules: hosts with their interface graphs,
 * vNICs, subnets, address records, the IPs syncs could not attach, and the wire each synced port
 * group is on. Loaded with a handful of queries, so a 1,000-host audit stays interactive.
 */
import { addressKey, parseInterfaceAddress, type IpAddress } from '../domain/address.ts';
import { failoverOrder, type FailoverOrder, type InterfaceSpec, type TeamingPolicy } from '../domain/interfaces.ts';
import type { Platform } from '../domain/model.ts';
import type { LinkState } from '../domain/network-diff.ts';
import { suggestMergesFrom, type MergeSuggestion } from '../reconcile/wires.ts';
import { listAddresses } from '../store/addresses.ts';
import { listSwitchWires } from '../store/accounts.ts';
import type { Context } from '../store/context.ts';
import * as inventory from '../store/inventory.ts';
import { listSubnets } from '../store/subnets.ts';
import { listWires } from '../store/wires.ts';

export interface AuditHost {
  name: string;
  platform: Platform;
  cluster: string | null;
  managementAddress: string | null;
  externalId: string | null;
  interfaces: InterfaceSpec[];
  byName: Map<string, InterfaceSpec>;
  /** The link state the last facts or sync saw (`bond0/eth1` for a member); empty when none was seen. */
  links: Record<string, LinkState>;
}

export interface AuditVnic {
  vm: string;
  vmUuid: string;
  host: string | null;
  mac: string;
  portgroup: string | null;
  observedIps: string[];
}

export interface AuditSubnet {
  name: string;
  cidr: string;
  wire: string;
  vlan: number;
  firstKey: string;
  lastKey: string;
}

export interface AuditAddress {
  address: string;
  subnet: string;
  state: string;
  ownerKind: string | null;
  ownerId: string | null;
  note: string;
}

export interface UnattachedIp {
  vm: string;
  vmUuid: string;
  host: string | null;
  address: string;
  mac: string;
  reason: string;
}

export interface Estate {
  hosts: AuditHost[];
  hostsByName: Map<string, AuditHost>;
  vnics: AuditVnic[];
  subnets: AuditSubnet[];
  addresses: AuditAddress[];
  unattached: UnattachedIp[];
  /** Wires hostwire created from sync evidence (`auto`), by name. */
  autoWires: Set<string>;
  /** The wire of each synced host's switch, keyed `host\u0000switch`. */
  switchWires: Map<string, string>;
  /** Auto wires that VM IP evidence places on another wire (`wire suggest-merges`). */
  mergeSuggestions: MergeSuggestion[];
}

/** The switch_wires key of a synced host's switch (see reconcile/vsphere.ts). */
export function switchWireKey(host: Pick<AuditHost, 'externalId'>, spec: InterfaceSpec | undefined): string | null {
  if (!host.externalId || !spec) return null;
  if (spec.kind === 'dvswitch' && spec.externalId) return `dvs:${host.externalId.split(':')[0]}:${spec.externalId}`;
  if (spec.kind === 'vswitch') return `host:${host.externalId}/${spec.name}`;
  return null;
}

export async function loadEstate(context: Context): Promise<Estate> {
  const estate: Estate = await context.store.read(async (conn): Promise<Estate> => {
    const hostRows = await inventory.listHosts(conn);
    const interfaces = await inventory.listAllInterfaces(conn);
    const specsByHost = new Map<string, InterfaceSpec[]>();
    for (const row of interfaces) {
      const params = JSON.parse(row.params_json) as Record<string, unknown>;
      const spec = { kind: row.kind, name: row.name, ...(row.mtu !== null ? { mtu: row.mtu } : {}), ...(row.mac !== null ? { mac: row.mac } : {}), ...params } as InterfaceSpec;
      specsByHost.set(row.host_name, [...(specsByHost.get(row.host_name) ?? []), spec]);
    }
    const links = new Map((await inventory.listLinkStates(conn)).map((row) => [row.host_id, JSON.parse(row.link_state_json) as Record<string, LinkState>]));
    const hosts = hostRows
      .filter((row) => row.removed_at === null)
      .map((row): AuditHost => {
        const specs = specsByHost.get(row.name) ?? [];
        return { name: row.name, platform: row.platform as Platform, cluster: row.cluster, managementAddress: row.management_address, externalId: row.external_id, interfaces: specs, byName: new Map(specs.map((spec) => [spec.name, spec])), links: links.get(row.id) ?? {} };
      });
    const vnics = (await inventory.listAllVnics(conn)).map((row): AuditVnic => ({ vm: row.vm_name, vmUuid: row.vm_uuid, host: row.host_name, mac: row.mac, portgroup: row.portgroup_name, observedIps: JSON.parse(row.observed_ips_json) as string[] }));
    const subnets = (await listSubnets(conn)).map((row): AuditSubnet => ({ name: row.name, cidr: row.cidr, wire: row.wire_name, vlan: row.vlan, firstKey: row.first_key, lastKey: row.last_key }));
    subnets.sort((a, b) => (a.firstKey < b.firstKey ? -1 : a.firstKey > b.firstKey ? 1 : 0));
    const addresses = (await listAddresses(conn)).map((row): AuditAddress => ({ address: row.address, subnet: row.subnet_name, state: row.state, ownerKind: row.owner_kind, ownerId: row.owner_id, note: row.note }));
    const vmRows = await inventory.listVms(conn);
    const vmById = new Map(vmRows.map((vm) => [vm.id, vm]));
    const hostById = new Map(hostRows.map((host) => [host.id, host.name]));
    const unattached: UnattachedIp[] = [];
    for (const tag of await inventory.listTagsByKey(conn, 'vm', 'sync_ips')) {
      const vm = vmById.get(tag.object_id);
      if (!vm) continue;
      for (const entry of JSON.parse(tag.value) as { address: string; mac: string; reason: string }[]) {
        unattached.push({ vm: vm.name, vmUuid: vm.uuid, host: vm.host_id === null ? null : (hostById.get(vm.host_id) ?? null), ...entry });
      }
    }
    const wires = await listWires(conn);
    const wireNames = new Map(wires.map((wire) => [wire.id, wire.name]));
    const byKey = new Map((await listSwitchWires(conn)).map((row) => [row.switch_key, wireNames.get(row.wire_id)!]));
    const switchWires = new Map<string, string>();
    for (const host of hosts) {
      for (const spec of host.interfaces) {
        const key = switchWireKey(host, spec);
        const wire = key ? byKey.get(key) : undefined;
        if (wire) switchWires.set(`${host.name}\u0000${spec.name}`, wire);
      }
    }
    return { hosts, hostsByName: new Map(hosts.map((host) => [host.name, host])), vnics, subnets, addresses, unattached, autoWires: new Set(wires.filter((wire) => wire.origin === 'auto').map((wire) => wire.name)), switchWires, mergeSuggestions: [] };
  });
  // The same evidence `wire suggest-merges` reads, from what is loaded here instead of a second pass over the store.
  estate.mergeSuggestions = await suggestMergesFrom({
    vnics: estate.vnics,
    portgroupOf: (hostName, name) => {
      const spec = estate.hostsByName.get(hostName)?.byName.get(name);
      return spec?.kind === 'portgroup' ? { vlan: spec.vlan, wire: estate.switchWires.get(`${hostName}\u0000${spec.switch}`) ?? null } : undefined;
    },
    autoWires: estate.autoWires,
    subnetContaining: (address) => subnetContaining(estate, address),
  });
  return estate;
}

/** The subnet containing an address, by binary search over the subnets sorted by first key. */
export function subnetContaining(estate: Estate, address: IpAddress): AuditSubnet | null {
  const key = addressKey(address.family, address.value);
  let low = 0;
  let high = estate.subnets.length - 1;
  let found: AuditSubnet | null = null;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const subnet = estate.subnets[middle]!;
    if (subnet.firstKey <= key) {
      found = subnet;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found && found.lastKey >= key ? found : null;
}

/** The network an interface address is in: its IPAM subnet's name, else its CIDR as written. */
export function networkOf(estate: Estate, text: string): string {
  const { address, prefix } = parseInterfaceAddress(text);
  return subnetContaining(estate, address)?.name ?? prefix.text;
}

/** The port group a vmk sits on and that port group's switch, on an ESXi host. */
export function vmkPlacement(host: AuditHost, vmk: Extract<InterfaceSpec, { kind: 'vmk' }>) {
  const portgroup = host.byName.get(vmk.attachment);
  if (portgroup?.kind !== 'portgroup') return null;
  const switchSpec = host.byName.get(portgroup.switch);
  if (switchSpec?.kind !== 'vswitch' && switchSpec?.kind !== 'dvswitch') return null;
  return { portgroup, switch: switchSpec };
}

/** The teaming a port group really uses: its override merged over its switch's policy, with the failover order of `failoverOrder`. */
export function effectiveTeaming(switchSpec: { uplinks: string[]; teaming?: TeamingPolicy }, override?: TeamingPolicy): FailoverOrder & TeamingPolicy {
  return { ...switchSpec.teaming, ...override, ...failoverOrder(switchSpec.uplinks, switchSpec.teaming, override) };
}

/** A switch, or a port group with teaming of its own, and the teaming it really runs. */
export interface SwitchTeam {
  host: AuditHost;
  owner: string;
  switchName: string;
  /** How a finding names it: the switch, or `port group 'X' on vSwitch1`. */
  where: string;
  uplinks: string[];
  teaming: ReturnType<typeof effectiveTeaming>;
  declared?: TeamingPolicy;
}

/** Every switch of a host and every port group that sets teaming of its own, in declaration order. */
export function switchTeams(host: AuditHost): SwitchTeam[] {
  const found: SwitchTeam[] = [];
  for (const spec of host.interfaces) {
    if (spec.kind === 'vswitch' || spec.kind === 'dvswitch') found.push({ host, owner: spec.name, switchName: spec.name, where: spec.name, uplinks: spec.uplinks, teaming: effectiveTeaming(spec), declared: spec.teaming });
    if (spec.kind === 'portgroup' && spec.teaming) {
      const vswitch = host.byName.get(spec.switch);
      if (vswitch?.kind === 'vswitch' || vswitch?.kind === 'dvswitch') {
        found.push({ host, owner: spec.name, switchName: vswitch.name, where: `port group '${spec.name}' on ${vswitch.name}`, uplinks: vswitch.uplinks, teaming: effectiveTeaming(vswitch, spec.teaming), declared: spec.teaming });
      }
    }
  }
  return found;
}

export const vmks = (host: AuditHost) => host.interfaces.filter((spec): spec is Extract<InterfaceSpec, { kind: 'vmk' }> => spec.kind === 'vmk');
