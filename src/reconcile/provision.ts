/**
 * VM network provisioning: give a synced VM one more vNIC with a fixed address from a subnet.
 *
 *   check            the VM and subnet exist, the VM was synced from an account that still reaches
 *                    the same vCenter, the VM is still there and powered off (vCenter customizes
 *                    only powered-off VMs), the subnet is IPv4;
 *   choose port group  on the VM's host (read live), the port groups whose switch is on the
 *                    subnet's wire (switch_wires) with the subnet's VLAN; standard before
 *                    distributed, then by name. Trunks and private VLANs do not qualify: the guest
 *                    would have to tag. None: the refusal lists every port group with its wire
 *                    and VLAN;
 *   allocate         the address (the given one, or by the subnet's policy), owned by
 *                    vnic `<vm uuid>/<mac>`. The MAC is chosen here, before the NIC exists, in
 *                    VMware's manual range 00:50:56:00:00:00-00:50:56:3f:ff:ff and unique among
 *                    known vNICs: so the owner is final from the start (no provisional owner to
 *                    rewrite, nothing to patch if a later step fails) and customization can name
 *                    the NIC without reading back a MAC vCenter generated;
 *   reconfigure      ReconfigVM_Task adds a VirtualVmxnet3 with that MAC and backing; read back;
 *   customize        CustomizeVM_Task: Linux prep, the fixed IP, mask, gateway and DNS for the new
 *                    NIC; the VM's other NICs keep the address hostwire holds for them, or DHCP
 *                    (a warning says so), since a customization sets every NIC;
 *   record           the vNIC (observed IP = the address) goes into the store, as the next sync
 *                    will see it.
 *
 * Nothing is allocated before the port group is chosen. If reconfigure or customize fails, the
 * address is released and a NIC that was added is removed again; the error names the step. If
 * only `record` fails the address stays allocated: the NIC is live and configured with it.
 */
import { randomInt } from 'node:crypto';
import { ipv4Netmask, parseAddress } from '../domain/address.ts';
import { HostwireError, type ErrorKind } from '../domain/errors.ts';
import { VimClient } from '../connectors/vsphere/client.ts';
import { ManagedObjectNotFound, VsphereError } from '../connectors/vsphere/errors.ts';
import { addVmxnet3Spec, customizationSpec, hostLabel, readLiveHost, readLiveVm, removeNicSpec, type AdapterSetting, type LiveHost, type LiveNic, type LivePortgroup, type LiveVm, type NicBacking } from '../connectors/vsphere/provision.ts';
import { allocate, release } from '../ipam/allocation.ts';
import { requireSubnet } from '../ipam/subnets.ts';
import { accountCredentials } from '../services/accounts.ts';
import { showVm, upsertVm, type VmDetail, type VnicInput } from '../services/vms.ts';
import { findSwitchWire } from '../store/accounts.ts';
import { listOwnedBy } from '../store/addresses.ts';
import type { Context } from '../store/context.ts';
import * as inventory from '../store/inventory.ts';
import { findSubnet, type SubnetWithNames } from '../store/subnets.ts';
import { findWireById } from '../store/wires.ts';

export type ProvisionStep = 'check' | 'choose port group' | 'allocate' | 'reconfigure' | 'customize' | 'record';

/** A provisioning that did not happen (or not entirely): which step, and what was undone. */
export class ProvisionError extends Error {
  constructor(
    readonly step: ProvisionStep,
    message: string,
    /** A HostwireError kind for refusals and bad input; `internal` for vCenter and other failures. */
    readonly kind: ErrorKind | 'internal',
    /** The address given back after a failure, if one had been allocated. */
    readonly released: string | null = null,
    /** Whether a NIC that had been added was removed again; null when none was added. */
    readonly nicRemoved: boolean | null = null,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}

export interface ProvisionInput {
  /** Name or instance UUID of a synced VM. */
  vm: string;
  subnet: string;
  /** A specific address of the subnet; default: the subnet's allocation policy. */
  ip?: string;
}

export interface ProvisionOptions {
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  taskTimeoutMs?: number;
}

export interface PortgroupView {
  name: string;
  kind: 'standard' | 'distributed';
  /** The switch: `account/host/vSwitch0` or `account/dvs`. */
  switch: string;
  wire: string | null;
  /** `VLAN 50`, `untagged`, `trunk 100-200`, `PVLAN 11`. */
  vlan: string;
  /** Why it does not qualify; empty when it does. */
  reasons: string[];
}

export interface ProvisionResult {
  vm: { name: string; uuid: string };
  host: string;
  mac: string;
  portgroup: PortgroupView;
  /** Other port groups that qualified too; the choice is standard before distributed, then by name. */
  alsoQualifying: string[];
  address: string;
  subnet: string;
  subnetMask: string;
  gateway: string | null;
  dns: string[];
  domain: string;
  hostName: string;
  /** The device key vCenter gave the new NIC. */
  deviceKey: number;
  /** What the customization set on every NIC of the VM, in device order. */
  nics: { mac: string; setting: string }[];
  warnings: string[];
}

interface Candidate extends PortgroupView {
  live: LivePortgroup;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const kindOf = (error: unknown): ErrorKind | 'internal' => (error instanceof HostwireError ? error.kind : 'internal');

function describeVlan(pg: LivePortgroup): string {
  const vlan = pg.vlan;
  if (vlan.kind === 'vlan') return vlan.vlan === 0 ? 'untagged (VLAN 0)' : `VLAN ${vlan.vlan}`;
  if (vlan.kind === 'pvlan') return `PVLAN ${vlan.pvlan}`;
  if (pg.kind === 'standard') return 'trunk (VLAN 4095: guest tagging)';
  return `trunk ${vlan.ranges.map((range) => (range.first === range.last ? `${range.first}` : `${range.first}-${range.last}`)).join(',')}`;
}

/** Port groups of the host with their wire and VLAN, and why each does or does not fit the subnet. */
async function evaluatePortgroups(context: Context, host: LiveHost, instance: string, account: string, subnet: SubnetWithNames): Promise<Candidate[]> {
  return context.store.read(async (conn) => {
    const candidates: Candidate[] = [];
    for (const pg of host.portgroups) {
      const switchKey = pg.kind === 'standard' ? `host:${instance}:${host.moref}/${pg.vswitch}` : `dvs:${instance}:${pg.dvsUuid}`;
      const mapping = await findSwitchWire(conn, switchKey);
      const wire = mapping ? await findWireById(conn, mapping.wire_id) : undefined;
      const label = mapping?.label ?? (pg.kind === 'standard' ? `${account}/${host.name}/${pg.vswitch}` : `${account}/${pg.dvsName}`);
      const reasons: string[] = [];
      if (!wire) reasons.push('its switch has no wire yet (sync the account first)');
      else if (wire.id !== subnet.wire_id) reasons.push(`it is on wire '${wire.name}', not '${subnet.wire_name}'`);
      if (pg.vlan.kind === 'trunk') reasons.push(`it is a trunk: the guest would have to tag VLAN ${subnet.vlan} itself`);
      else if (pg.vlan.kind === 'pvlan') reasons.push('it is a private VLAN');
      else if (pg.vlan.vlan !== subnet.vlan) reasons.push(`its VLAN is ${pg.vlan.vlan}, the subnet's is ${subnet.vlan}`);
      if (pg.kind === 'standard' && !pg.network) reasons.push(`vCenter shows the host no Network named '${pg.name}'`);
      candidates.push({ name: pg.name, kind: pg.kind, switch: label, wire: wire?.name ?? null, vlan: describeVlan(pg), reasons, live: pg });
    }
    // Standard before distributed, then by name: the order a choice is made in.
    return candidates.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'standard' ? -1 : 1));
  });
}

/** A MAC in VMware's manual range, used by no vNIC hostwire knows nor by the VM. */
async function chooseMac(context: Context, live: LiveVm): Promise<string> {
  const taken = new Set(live.nics.map((nic) => nic.mac));
  for (const vnic of await context.store.read((conn) => inventory.listAllVnics(conn))) taken.add(vnic.mac.toLowerCase());
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = randomInt(0, 0x400000);
    const mac = ['00', '50', '56', (value >> 16) & 0x3f, (value >> 8) & 0xff, value & 0xff].map((part) => (typeof part === 'number' ? part.toString(16).padStart(2, '0') : part)).join(':');
    if (!taken.has(mac)) return mac;
  }
  throw new ProvisionError('allocate', 'allocate: no free MAC found in 00:50:56:00:00:00-00:50:56:3f:ff:ff', 'conflict');
}

function backingOf(pg: LivePortgroup): NicBacking {
  return pg.kind === 'standard' ? { kind: 'standard', portgroup: pg.name, network: pg.network! } : { kind: 'distributed', switchUuid: pg.dvsUuid!, portgroupKey: pg.portgroupKey! };
}

/** Customization settings for the VM's other NICs: the IPv4 address hostwire holds for each, else DHCP. */
async function otherAdapters(context: Context, vm: VmDetail, nics: LiveNic[], newMac: string, warnings: string[]): Promise<Map<string, AdapterSetting>> {
  return context.store.read(async (conn) => {
    const settings = new Map<string, AdapterSetting>();
    for (const nic of nics) {
      if (nic.mac === newMac) continue;
      const records = (await listOwnedBy(conn, 'vnic', `${vm.uuid}/${nic.mac}`)).filter((record) => record.owner_id === `${vm.uuid}/${nic.mac}` && !record.address.includes(':'));
      const record = records[0];
      const subnet = record ? await findSubnet(conn, record.subnet_name) : undefined;
      if (record && subnet) {
        settings.set(nic.mac, { mac: nic.mac, ip: record.address, subnetMask: ipv4Netmask(subnet.prefix_length), gateways: subnet.gateway ? [subnet.gateway] : [], dnsServers: JSON.parse(subnet.dns_json) as string[], dnsDomain: subnet.domain });
      } else {
        settings.set(nic.mac, { mac: nic.mac, dhcp: true });
        warnings.push(`NIC ${nic.mac} has no IPv4 address in hostwire: the customization sets it to DHCP`);
      }
    }
    return settings;
  });
}

export async function provisionVmNic(context: Context, input: ProvisionInput, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const refuse = (step: ProvisionStep, message: string, kind: ErrorKind | 'internal' = 'conflict') => new ProvisionError(step, `${step}: ${message}; nothing was allocated`, kind);
  const checking = async <T>(work: () => Promise<T>, what: string): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ProvisionError) throw error;
      // Hostwire's own errors name what is missing; vCenter's get said what was being read.
      throw refuse('check', error instanceof HostwireError ? error.message : `${what}: ${messageOf(error)}`, kindOf(error));
    }
  };

  // check
  const vm = await checking(() => showVm(context, input.vm), 'VM');
  const subnet = await checking(() => context.store.read((conn) => requireSubnet(conn, input.subnet)), 'subnet');
  if (subnet.family !== 4) throw refuse('check', `subnet '${subnet.name}' is IPv6: guest customization of IPv6-only NICs is not supported`, 'validation');
  if (input.ip !== undefined) await checking(async () => parseAddress(input.ip!, 'ip'), 'ip');
  const [instance, vmMoref] = (vm.externalId ?? '').split(':');
  if (!vm.sourceAccount || !instance || !vmMoref) throw refuse('check', `VM '${vm.name}' was not synced from vCenter, so there is nothing to reconfigure`, 'validation');
  const credentials = await checking(() => accountCredentials(context, vm.sourceAccount!), 'account');
  const client = new VimClient({ url: credentials.url, username: credentials.username, password: credentials.password, tls: credentials.tls, connectTimeoutMs: options.connectTimeoutMs, readTimeoutMs: options.readTimeoutMs });
  const vmRef = { type: 'VirtualMachine', value: vmMoref };
  const taskOptions = { timeoutMs: options.taskTimeoutMs };

  try {
    const content = await checking(() => client.connect(), `vCenter of account '${vm.sourceAccount}'`);
    if (content.about.instanceUuid !== instance) throw refuse('check', `account '${vm.sourceAccount}' now reaches vCenter ${content.about.instanceUuid}, not ${instance} where VM '${vm.name}' was seen`);
    const live = await checking(async () => {
      try {
        return await readLiveVm(client, vmMoref);
      } catch (error) {
        if (error instanceof ManagedObjectNotFound) throw new Error(`VM '${vm.name}' (${vmMoref}) is gone from vCenter: sync the account again`);
        throw error;
      }
    }, 'VM');
    if (live.instanceUuid !== vm.uuid) throw refuse('check', `${vmMoref} is now VM '${live.name}' (${live.instanceUuid}), not '${vm.name}' (${vm.uuid}): sync the account again`);
    if (live.powerState !== 'poweredOff') throw refuse('check', `VM '${vm.name}' is ${live.powerState}: vCenter customizes only powered-off VMs (CustomizeVM_Task); power it off and run this again`);
    if (!live.hostMoref) throw refuse('check', `VM '${vm.name}' has no host in vCenter`);
    const host = await checking(() => readLiveHost(client, live.hostMoref!), 'host');

    // choose port group
    const candidates = await evaluatePortgroups(context, host, instance, vm.sourceAccount, subnet);
    const qualifying = candidates.filter((candidate) => candidate.reasons.length === 0);
    const chosen = qualifying[0];
    if (!chosen) {
      const lines = candidates.map((c) => `  - '${c.name}' (${c.kind}, switch ${c.switch}): wire ${c.wire ? `'${c.wire}'` : '(none)'}, ${c.vlan}: ${c.reasons.join('; ')}`);
      throw new ProvisionError(
        'choose port group',
        `choose port group: no port group on host '${host.name}' is on wire '${subnet.wire_name}' with VLAN ${subnet.vlan} (subnet '${subnet.name}'); nothing was allocated. ` +
          `Its port groups:\n${lines.join('\n') || '  (none)'}`,
        'conflict',
      );
    }
    const { live: chosenLive, ...portgroup } = chosen;
    const backing = backingOf(chosenLive);

    // allocate
    const mac = await chooseMac(context, live);
    const owner = `${vm.uuid}/${mac}`;
    let address: string;
    try {
      const [record] = await allocate(context, { subnet: subnet.name, address: input.ip, owner: { kind: 'vnic', id: owner }, note: `${vm.name}: vNIC added by hostwire on '${chosen.name}'` });
      address = record!.address;
    } catch (error) {
      throw new ProvisionError('allocate', `allocate: ${messageOf(error)}; nothing was changed in vCenter`, kindOf(error));
    }

    const warnings: string[] = [];
    let added: LiveNic | undefined;
    let nics: LiveNic[] = [];
    let adapters: AdapterSetting[] = [];
    const domain = subnet.domain ?? 'local';
    const dns = JSON.parse(subnet.dns_json) as string[];
    const subnetMask = ipv4Netmask(subnet.prefix_length);
    const hostName = hostLabel(vm.name);
    if (hostName !== vm.name) warnings.push(`the VM name '${vm.name}' is not a host name: the guest is named '${hostName}'`);
    try {
      // reconfigure
      try {
        await client.runTask('ReconfigVM_Task', vmRef, addVmxnet3Spec({ mac, backing }), taskOptions);
        const after = await readLiveVm(client, vmMoref);
        added = after.nics.find((nic) => nic.mac === mac);
        if (!added) throw new VsphereError(`vCenter reported success but VM '${vm.name}' has no NIC with MAC ${mac}`);
        nics = after.nics;
      } catch (error) {
        // The outcome of a call that timed out or broke is unknown: take back a NIC that got added.
        const removed = await removeIfPresent(client, vmMoref, mac, backing, taskOptions);
        throw new ProvisionError('reconfigure', `reconfigure failed: ${messageOf(error)}${removed.note}`, 'internal', null, removed.removed);
      }

      // customize
      try {
        const others = await otherAdapters(context, vm, nics, mac, warnings);
        // Every NIC, in device order: vCenter maps the settings to NICs by position.
        adapters = nics.map((nic) => others.get(nic.mac) ?? { mac, ip: address, subnetMask, gateways: subnet.gateway ? [subnet.gateway] : [], dnsServers: dns, dnsDomain: subnet.domain });
        await client.runTask('CustomizeVM_Task', vmRef, customizationSpec({ hostName, domain, dnsServers: dns, dnsSuffixes: subnet.domain ? [subnet.domain] : [], adapters }), taskOptions);
      } catch (error) {
        const removed = await removeNic(client, vmMoref, added!, backing, taskOptions);
        throw new ProvisionError('customize', `customize failed: ${messageOf(error)}${removed.note}`, 'internal', null, removed.removed);
      }
    } catch (error) {
      const failure = error instanceof ProvisionError ? error : new ProvisionError('reconfigure', messageOf(error), 'internal');
      let releaseNote: string;
      try {
        await release(context, { address });
        releaseNote = `; ${address} was released`;
      } catch (releaseError) {
        releaseNote = `; releasing ${address} failed too (${messageOf(releaseError)}): release it with 'hostwire ip release ${address}'`;
      }
      throw new ProvisionError(failure.step, `${failure.message}${releaseNote}`, failure.kind, address, failure.nicRemoved);
    }

    // record
    try {
      await recordVnic(context, vm, mac, chosen.name, address);
    } catch (error) {
      throw new ProvisionError('record', `record failed: ${messageOf(error)}; NIC ${mac} is in vCenter with ${address}, which stays allocated to it: the next sync records the NIC`, kindOf(error));
    }

    return {
      vm: { name: vm.name, uuid: vm.uuid },
      host: vm.host ?? host.name,
      mac,
      portgroup,
      alsoQualifying: qualifying.slice(1).map((candidate) => `${candidate.name} (${candidate.kind})`),
      address,
      subnet: subnet.name,
      subnetMask,
      gateway: subnet.gateway,
      dns,
      domain,
      hostName,
      deviceKey: added!.key,
      nics: adapters.map((adapter) => ({ mac: adapter.mac, setting: 'dhcp' in adapter ? 'dhcp' : `${adapter.ip}/${adapter.subnetMask}` })),
      warnings,
    };
  } finally {
    await client.logout().catch(() => undefined);
  }
}

interface Removal {
  removed: boolean | null;
  note: string;
}

async function removeNic(client: VimClient, vmMoref: string, nic: LiveNic, backing: NicBacking, taskOptions: { timeoutMs?: number }): Promise<Removal> {
  try {
    await client.runTask('ReconfigVM_Task', { type: 'VirtualMachine', value: vmMoref }, removeNicSpec({ key: nic.key, mac: nic.mac, backing, deviceType: nic.type }), taskOptions);
    return { removed: true, note: `; NIC ${nic.mac} was removed again` };
  } catch (error) {
    return { removed: false, note: `; removing NIC ${nic.mac} failed too (${messageOf(error)}): remove it in vCenter` };
  }
}

async function removeIfPresent(client: VimClient, vmMoref: string, mac: string, backing: NicBacking, taskOptions: { timeoutMs?: number }): Promise<Removal> {
  let nic: LiveNic | undefined;
  try {
    nic = (await readLiveVm(client, vmMoref)).nics.find((candidate) => candidate.mac === mac);
  } catch (error) {
    return { removed: false, note: `; whether NIC ${mac} was added is unknown (${messageOf(error)}): check the VM in vCenter` };
  }
  if (!nic) return { removed: null, note: '; no NIC was added' };
  return removeNic(client, vmMoref, nic, backing, taskOptions);
}

/** The VM's vNICs as stored, plus the new one, through upsertVm: what the next sync will write. */
async function recordVnic(context: Context, vm: VmDetail, mac: string, portgroupName: string, address: string): Promise<void> {
  const { vnics, portgroups } = await context.store.read(async (conn) => {
    const row = await inventory.findVm(conn, vm.uuid);
    const hostRow = vm.host ? await inventory.findHost(conn, vm.host) : undefined;
    return {
      vnics: row ? await inventory.listVnics(conn, row.id) : [],
      portgroups: new Set(hostRow ? (await inventory.listInterfaces(conn, hostRow.id)).filter((i) => i.kind === 'portgroup').map((i) => i.name) : []),
    };
  });
  const inputs: VnicInput[] = vnics.map((vnic) => ({ mac: vnic.mac, portgroup: vnic.portgroup_name, networkName: vnic.network_name, connected: vnic.connected === 1, observedIps: JSON.parse(vnic.observed_ips_json) as string[] }));
  // As the sync names it: the port group's name when the host has an interface of that name.
  inputs.push({ mac, portgroup: portgroups.has(portgroupName) ? portgroupName : null, networkName: portgroupName, connected: true, observedIps: [address] });
  await upsertVm(context, {
    uuid: vm.uuid,
    biosUuid: vm.biosUuid,
    name: vm.name,
    host: vm.host,
    powerState: vm.powerState,
    toolsState: vm.toolsState,
    sourceAccount: vm.sourceAccount,
    externalId: vm.externalId,
    vnics: inputs,
  });
}
