/**
 * VMs, matched by UUID, and their vNICs, matched by (VM, MAC). A vNIC's port group is looked up on
 * the VM's host; observed IPs are kept as seen (the sync decides which become address records).
 */
import { parseAddress } from '../domain/address.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { HostwireError, invalid, notFound } from '../domain/errors.ts';
import { POWER_STATES, TOOLS_STATES, type PowerState, type ToolsState, type Vm, type Vnic } from '../domain/model.ts';
import { Checks, checkInteger, checkLimit, checkMac, checkOneOf, checkUuid } from '../domain/validate.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import { listOwnedBy } from '../store/addresses.ts';
import * as inventory from '../store/inventory.ts';
import type { VmRow, VnicRow } from '../store/schema.ts';
import type { Conn } from '../store/store.ts';

export interface VnicInput {
  mac: string;
  /** The port group or bridge on the VM's host. */
  portgroup?: string | null;
  /** The network label as the hypervisor reports it, kept even when no port group matches. */
  networkName?: string | null;
  connected?: boolean;
  observedIps?: string[];
}

export interface VmInput {
  uuid: string;
  name: string;
  biosUuid?: string | null;
  host?: string | null;
  powerState?: string;
  toolsState?: string;
  sourceAccount?: string | null;
  externalId?: string | null;
  vnics?: VnicInput[];
}

export interface VmDetail extends Vm {
  vnics: Vnic[];
}

function checkVmInput(input: VmInput) {
  const checks = new Checks();
  const uuid = checks.check(() => checkUuid('uuid', input.uuid));
  const biosUuid = input.biosUuid ? checks.check(() => checkUuid('biosUuid', input.biosUuid!)) : null;
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 255) checks.fail('name', 'a VM name of 1-255 characters is required');
  const powerState = checks.check(() => checkOneOf('powerState', input.powerState ?? 'unknown', POWER_STATES));
  const toolsState = checks.check(() => checkOneOf('toolsState', input.toolsState ?? 'unknown', TOOLS_STATES));
  const seen = new Set<string>();
  const vnics = (input.vnics ?? []).map((vnic, index) => {
    const mac = checks.check(() => checkMac(`vnics.${index}.mac`, vnic.mac));
    if (mac && seen.has(mac)) checks.fail(`vnics.${index}.mac`, `${mac} appears twice on this VM`);
    if (mac) seen.add(mac);
    const observedIps = (vnic.observedIps ?? []).map((ip, position) => checks.check(() => parseAddress(ip, `vnics.${index}.observedIps.${position}`).text));
    return { mac: mac!, portgroup: vnic.portgroup ?? null, networkName: vnic.networkName ?? null, connected: vnic.connected ?? true, observedIps: observedIps as string[] };
  });
  checks.done();
  return { uuid: uuid!, biosUuid: biosUuid ?? null, name: input.name, powerState: powerState!, toolsState: toolsState!, vnics };
}

async function loadVm(conn: Conn, row: VmRow): Promise<VmDetail> {
  const host = row.host_id === null ? undefined : await inventory.findHostById(conn, row.host_id);
  const vnics = await inventory.listVnics(conn, row.id);
  return {
    id: row.id,
    name: row.name,
    uuid: row.uuid,
    biosUuid: row.bios_uuid,
    host: host?.name ?? null,
    powerState: row.power_state as PowerState,
    toolsState: row.tools_state as ToolsState,
    sourceAccount: row.source_account,
    externalId: row.external_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    vnics: vnics.map((vnic) => toVnic(vnic, row.name)),
  };
}

function toVnic(row: VnicRow & { portgroup_name: string | null }, vmName: string): Vnic {
  return { id: row.id, vm: vmName, mac: row.mac, portgroup: row.portgroup_name, connected: row.connected === 1, observedIps: JSON.parse(row.observed_ips_json) as string[] };
}

/** Comparable state of a VM, without ids and timestamps. */
const comparable = (vm: VmDetail) =>
  canonicalJson({ ...vm, id: 0, createdAt: '', updatedAt: '', vnics: vm.vnics.map((vnic) => ({ ...vnic, id: 0 })).sort((a, b) => (a.mac < b.mac ? -1 : 1)) });

/** Creates or updates a VM by UUID with its vNICs (vNICs not listed are removed). Unchanged VMs write nothing. */
export async function upsertVm(context: Context, input: VmInput): Promise<VmDetail> {
  const checked = checkVmInput(input);
  return context.store.write(async (tx) => {
    let hostId: number | null = null;
    const portgroups = new Map<string, number>();
    if (input.host) {
      const host = await inventory.findHost(tx, input.host);
      if (!host) throw invalid('host', `host '${input.host}' does not exist`);
      hostId = host.id;
      for (const row of await inventory.listInterfaces(tx, host.id)) if (row.kind === 'portgroup' || row.kind === 'bridge') portgroups.set(row.name, row.id);
    }
    const portgroupIds = checked.vnics.map((vnic, index) => {
      if (!vnic.portgroup) return null;
      const id = portgroups.get(vnic.portgroup);
      if (id === undefined) throw new HostwireError('validation', `vnics.${index}.portgroup: '${vnic.portgroup}' is not a port group or bridge of host '${input.host ?? '(none)'}'`, [{ path: `vnics.${index}.portgroup`, message: 'no such port group on the host' }]);
      return id;
    });

    const at = context.now().toISOString();
    const fields = { name: checked.name, bios_uuid: checked.biosUuid, host_id: hostId, power_state: checked.powerState, tools_state: checked.toolsState, source_account: input.sourceAccount ?? null, external_id: input.externalId ?? null, removed_at: null };
    const existing = await inventory.findVm(tx, checked.uuid);
    const before = existing ? await loadVm(tx, existing) : null;
    if (before && existing!.removed_at === null) {
      // Compared before writing: a sync that sees nothing new issues no UPDATE at all.
      const wanted: VmDetail = {
        ...before,
        name: checked.name,
        biosUuid: checked.biosUuid,
        host: input.host ?? null,
        powerState: checked.powerState,
        toolsState: checked.toolsState,
        sourceAccount: input.sourceAccount ?? null,
        externalId: input.externalId ?? null,
        vnics: checked.vnics.map((vnic) => ({ id: 0, vm: checked.name, mac: vnic.mac, portgroup: vnic.portgroup, connected: vnic.connected, observedIps: vnic.observedIps })),
      };
      if (comparable(wanted) === comparable(before)) return before;
    }
    const vmId = existing ? existing.id : (await inventory.insertVm(tx, { ...fields, uuid: checked.uuid, created_at: at, updated_at: at })).id;
    if (existing) await inventory.updateVm(tx, existing.id, fields);

    const currentVnics = new Map((existing ? await inventory.listVnics(tx, existing.id) : []).map((vnic) => [vnic.mac, vnic]));
    for (const [index, vnic] of checked.vnics.entries()) {
      const values = { portgroup_id: portgroupIds[index]!, network_name: vnic.networkName, connected: vnic.connected ? 1 : 0, observed_ips_json: JSON.stringify(vnic.observedIps) };
      const current = currentVnics.get(vnic.mac);
      if (current) await inventory.updateVnic(tx, current.id, values);
      else await inventory.insertVnic(tx, { ...values, vm_id: vmId, mac: vnic.mac });
    }
    const listed = new Set(checked.vnics.map((vnic) => vnic.mac));
    await inventory.deleteVnics(tx, [...currentVnics.values()].filter((vnic) => !listed.has(vnic.mac)).map((vnic) => vnic.id));

    const after = await loadVm(tx, (await inventory.findVm(tx, checked.uuid))!);
    if (before && comparable(before) === comparable(after)) return before;
    if (before) await inventory.updateVm(tx, vmId, { updated_at: at });
    const result = before ? { ...after, updatedAt: at } : after;
    await insertChanges(tx, [changeEntry(context, 'vm', { id: vmId, name: checked.name }, before ? 'update' : 'create', before, result)]);
    return result;
  });
}

/** One VM by instance UUID, or by name when that name is unique. */
export async function showVm(context: Context, uuidOrName: string): Promise<VmDetail> {
  return context.store.read(async (conn) => {
    const byUuid = /^[0-9a-fA-F-]{36}$/.test(uuidOrName.trim()) ? await inventory.findVm(conn, checkUuid('uuid', uuidOrName)) : undefined;
    if (byUuid) return loadVm(conn, byUuid);
    const named = await inventory.findVmsByName(conn, uuidOrName);
    if (named.length > 1) throw new HostwireError('validation', `${named.length} VMs are named '${uuidOrName}': give the UUID (${named.map((vm) => vm.uuid).join(', ')})`, [{ path: 'vm', message: 'ambiguous name' }]);
    if (!named[0]) throw notFound('VM', uuidOrName);
    return loadVm(conn, named[0]);
  });
}

export async function listVms(context: Context, filter: { host?: string; q?: string; limit?: number | string; after?: string } = {}): Promise<VmDetail[]> {
  const limit = filter.limit === undefined ? undefined : checkLimit(filter.limit);
  return context.store.read(async (conn) => {
    let hostId: number | undefined;
    if (filter.host !== undefined) {
      const host = await inventory.findHost(conn, filter.host);
      if (!host) return [];
      hostId = host.id;
    }
    const rows = await inventory.listVms(conn, { hostId, q: filter.q, limit, afterUuid: filter.after });
    const result: VmDetail[] = [];
    for (const row of rows) result.push(await loadVm(conn, row));
    return result;
  });
}

export interface VnicListing extends Vnic {
  vmUuid: string;
  host: string | null;
}

export async function listVnics(context: Context, filter: { vm?: string; host?: string; limit?: number | string; after?: number | string } = {}): Promise<VnicListing[]> {
  const checks = new Checks();
  const limit = filter.limit === undefined ? undefined : checks.check(() => checkLimit(filter.limit));
  const vmUuid = filter.vm === undefined ? undefined : checks.check(() => checkUuid('vm', filter.vm!));
  const afterId = filter.after === undefined ? undefined : checks.check(() => checkInteger('after', filter.after, 1, Number.MAX_SAFE_INTEGER, 'a vNIC id'));
  checks.done();
  return context.store.read(async (conn) => {
    let vmId: number | undefined;
    let hostId: number | undefined;
    if (vmUuid !== undefined) {
      const vm = await inventory.findVm(conn, vmUuid);
      if (!vm) return [];
      vmId = vm.id;
    }
    if (filter.host !== undefined) {
      const host = await inventory.findHost(conn, filter.host);
      if (!host) return [];
      hostId = host.id;
    }
    const rows = await inventory.listAllVnics(conn, { vmId, hostId, afterId, limit });
    return rows.map((row) => ({ ...toVnic(row, row.vm_name), vmUuid: row.vm_uuid, host: row.host_name }));
  });
}

export interface VmIp {
  address: string;
  /** The subnet it is attached in; null when it is not attached. */
  subnet: string | null;
  /** Why it is not attached (from the last sync); null when attached. */
  reason: string | null;
}

export interface VmNetworkView extends VmDetail {
  nics: { mac: string; portgroup: string | null; connected: boolean; ips: VmIp[] }[];
}

/**
 * VMs with, per NIC, every IP seen or allocated: attached ones with their subnet, the others with
 * the reason the last sync kept them in `sync_ips`.
 */
export async function describeVmNetworks(context: Context, vms: VmDetail[]): Promise<VmNetworkView[]> {
  return context.store.read(async (conn) => {
    const result: VmNetworkView[] = [];
    for (const vm of vms) {
      const owned = await listOwnedBy(conn, 'vnic', `${vm.uuid}/`);
      const tag = await inventory.findTag(conn, 'vm', vm.id, 'sync_ips');
      const reasons = tag ? (JSON.parse(tag.value) as { address: string; mac: string; reason: string }[]) : [];
      const nics = vm.vnics.map((vnic) => {
        const ips = new Map<string, VmIp>();
        for (const record of owned.filter((candidate) => candidate.owner_id === `${vm.uuid}/${vnic.mac}`)) ips.set(record.address, { address: record.address, subnet: record.subnet_name, reason: null });
        for (const entry of reasons.filter((candidate) => candidate.mac === vnic.mac)) if (!ips.has(entry.address)) ips.set(entry.address, { address: entry.address, subnet: null, reason: entry.reason });
        for (const address of vnic.observedIps) if (!ips.has(address)) ips.set(address, { address, subnet: null, reason: 'not synced yet' });
        return { mac: vnic.mac, portgroup: vnic.portgroup, connected: vnic.connected, ips: [...ips.values()] };
      });
      result.push({ ...vm, nics });
    }
    return result;
  });
}
