/**
 * Hosts and their interface graph. A host's interfaces are replaced as a whole set, validated
 * before anything is written; interfaces that keep their name keep their identity (so vNICs stay
 * attached to their port group), and an unchanged set writes nothing.
 */
import { parseAddress } from '../domain/address.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { conflict, HostwireError, notFound } from '../domain/errors.ts';
import { INTERFACE_KINDS, interfaceParents, parseInterfaceSet, type GraphOptions, type InterfaceSpec } from '../domain/interfaces.ts';
import { OS_FAMILIES, PLATFORMS, type Host, type OsFamily, type Platform } from '../domain/model.ts';
import type { LinkState } from '../domain/network-diff.ts';
import { Checks, checkInteger, checkLimit, checkName, checkOneOf, checkUuid } from '../domain/validate.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import * as inventory from '../store/inventory.ts';
import type { HostInterfaceRow, HostRow } from '../store/schema.ts';
import { isUniqueViolation, type Conn } from '../store/store.ts';

/** The renderer a platform's hosts get unless told otherwise. */
export const DEFAULT_OS_FAMILY: Record<Platform, OsFamily> = { esxi: 'esxi', ovm: 'rhel', xen: 'debian', kvm: 'netplan' };

export interface HostInput {
  name: string;
  platform: string;
  osFamily?: string;
  cluster?: string | null;
  managementAddress?: string | null;
  hardwareUuid?: string | null;
  sourceAccount?: string | null;
  externalId?: string | null;
}

export function toHost(row: HostRow): Host {
  return {
    id: row.id,
    name: row.name,
    platform: row.platform as Platform,
    osFamily: row.os_family as OsFamily,
    cluster: row.cluster,
    managementAddress: row.management_address,
    hardwareUuid: row.hardware_uuid,
    sourceAccount: row.source_account,
    externalId: row.external_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checkHostInput(input: HostInput) {
  const checks = new Checks();
  const name = checks.check(() => checkName('name', input.name));
  const platform = checks.check(() => checkOneOf('platform', input.platform, PLATFORMS));
  const osFamily = checks.check(() => checkOneOf('osFamily', input.osFamily ?? (platform ? DEFAULT_OS_FAMILY[platform] : 'esxi'), OS_FAMILIES));
  if (platform && osFamily && (platform === 'esxi') !== (osFamily === 'esxi')) {
    checks.fail('osFamily', platform === 'esxi' ? 'an esxi host is rendered as esxi' : `'esxi' rendering is only for esxi hosts; a ${platform} host uses rhel, debian, ifupdown2, netplan or networkmanager`);
  }
  const cluster = input.cluster ? checks.check(() => checkName('cluster', input.cluster)) : null;
  const managementAddress = input.managementAddress ? checks.check(() => parseAddress(input.managementAddress!, 'managementAddress').text) : null;
  const hardwareUuid = input.hardwareUuid ? checks.check(() => checkUuid('hardwareUuid', input.hardwareUuid!)) : null;
  checks.done();
  return { name: name!, platform: platform!, os_family: osFamily!, cluster: cluster ?? null, management_address: managementAddress ?? null, hardware_uuid: hardwareUuid ?? null, source_account: input.sourceAccount ?? null, external_id: input.externalId ?? null };
}

/** Creates a host, or updates the one with that name. */
export async function upsertHost(context: Context, input: HostInput): Promise<Host> {
  const fields = checkHostInput(input);
  return context.store.write(async (tx) => {
    const existing = await inventory.findHost(tx, fields.name);
    const at = context.now().toISOString();
    try {
      if (!existing) {
        const host = toHost(await inventory.insertHost(tx, { ...fields, created_at: at, updated_at: at }));
        await insertChanges(tx, [changeEntry(context, 'host', host, 'create', null, host)]);
        return host;
      }
      const before = toHost(existing);
      if (existing.platform !== fields.platform && (await inventory.listInterfaces(tx, existing.id)).length) {
        throw conflict(`platform: host '${fields.name}' has declared interfaces for ${existing.platform}; clear them before changing its platform`, 'platform');
      }
      const unchanged = (Object.keys(fields) as (keyof typeof fields)[]).every((key) => existing[key] === fields[key]);
      if (unchanged) return before;
      const host = toHost(await inventory.updateHost(tx, existing.id, { ...fields, updated_at: at }));
      await insertChanges(tx, [changeEntry(context, 'host', host, 'update', before, host)]);
      return host;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`hardwareUuid: another host already has hardware UUID ${fields.hardware_uuid}`, 'hardwareUuid');
      throw error;
    }
  });
}

export interface SyncedHostInput extends HostInput {
  /** `<vCenter instance UUID>:<moref>`: identity across renames and account names. */
  externalId: string;
  sourceAccount: string;
}

/**
 * Creates or updates a host seen by a sync, found by its external id (a host renamed in vCenter
 * stays the same host), else adopting a declared host of the same name. A removed host comes back.
 */
export async function syncHost(context: Context, input: SyncedHostInput): Promise<Host> {
  const fields = checkHostInput(input);
  return context.store.write(async (tx) => {
    const existing = (await inventory.findHostByExternalId(tx, input.externalId)) ?? (await inventory.findHost(tx, fields.name));
    const at = context.now().toISOString();
    if (!existing) {
      const host = toHost(await inventory.insertHost(tx, { ...fields, created_at: at, updated_at: at }));
      await insertChanges(tx, [changeEntry(context, 'host', host, 'create', null, host)]);
      return host;
    }
    const before = toHost(existing);
    const unchanged = (Object.keys(fields) as (keyof typeof fields)[]).every((key) => existing[key] === fields[key]) && existing.removed_at === null;
    if (unchanged) return before;
    if (fields.name !== existing.name && (await inventory.findHost(tx, fields.name))) throw conflict(`name: host ${existing.name} was renamed to ${fields.name} in vCenter, but another host has that name`, 'name');
    const host = toHost(await inventory.updateHost(tx, existing.id, { ...fields, removed_at: null, updated_at: at }));
    await insertChanges(tx, [changeEntry(context, 'host', host, 'update', before, host)]);
    return host;
  });
}

/** The spec of a stored interface: its row's columns and parameters put back together. */
function toSpec(row: HostInterfaceRow): InterfaceSpec {
  const params = JSON.parse(row.params_json) as Record<string, unknown>;
  return { kind: row.kind, name: row.name, ...(row.mtu !== null ? { mtu: row.mtu } : {}), ...(row.mac !== null ? { mac: row.mac } : {}), ...params } as InterfaceSpec;
}

function toRowFields(spec: InterfaceSpec) {
  const { kind, name, mtu, ...rest } = spec;
  const mac = 'mac' in rest && rest.mac ? rest.mac : null;
  if ('mac' in rest) delete (rest as { mac?: string }).mac;
  const vlan = 'vlan' in rest ? rest.vlan : null;
  return { kind, name, mtu: mtu ?? null, mac, vlan, params_json: JSON.stringify(rest) };
}

async function requireHost(conn: Conn, name: string): Promise<HostRow> {
  const host = await inventory.findHost(conn, name);
  if (!host) throw notFound('host', name);
  return host;
}

export interface HostDetail extends Host {
  interfaces: InterfaceSpec[];
}

/** A source that reads a host's interfaces live (a vCenter sync) and saw their links, kept as the host's facts. */
export interface LinkObservation {
  format: string;
  source: string;
  linkState: Record<string, LinkState>;
}

/** Replaces a host's declared interfaces with `specs`, validated as a whole; with an observation, also its facts. */
export async function setHostInterfaces(context: Context, hostName: string, specs: unknown, options: GraphOptions & { observation?: LinkObservation } = {}): Promise<HostDetail> {
  return context.store.write(async (tx) => {
    const host = await requireHost(tx, hostName);
    const parsed = parseInterfaceSet(specs, host.platform, options);
    if (options.observation) {
      const { format, source, linkState } = options.observation;
      await inventory.saveHostFacts(tx, { host_id: host.id, format, source, imported_at: context.now().toISOString(), interfaces_json: JSON.stringify(parsed), link_state_json: JSON.stringify(linkState), warnings_json: '[]' });
    }
    const macs = new Map<string, string>();
    // Only NICs must differ: a vmk, bond, VLAN or bridge takes its MAC from a NIC (seed 001's ifconfig).
    parsed.forEach((spec, index) => {
      const { mac } = toRowFields(spec);
      if (!mac || spec.kind !== 'physical') return;
      if (macs.has(mac)) throw new HostwireError('validation', `interfaces.${index}.mac: ${mac} is already the MAC of ${macs.get(mac)}`, [{ path: `interfaces.${index}.mac`, message: 'duplicate MAC' }]);
      macs.set(mac, spec.name);
    });
    const existing = await inventory.listInterfaces(tx, host.id);
    const before = existing.map(toSpec);
    const byNameOrder = (list: InterfaceSpec[]) => canonicalJson([...list].sort((a, b) => (a.name < b.name ? -1 : 1)));
    if (byNameOrder(before) === byNameOrder(parsed)) return { ...toHost(host), interfaces: before };

    const at = context.now().toISOString();
    const byName = new Map(existing.map((row) => [row.name, row]));
    const ids = new Map<string, number>();
    for (const spec of parsed) {
      const fields = toRowFields(spec);
      const current = byName.get(spec.name);
      if (current) {
        await inventory.updateInterface(tx, current.id, { ...fields, updated_at: at });
        ids.set(spec.name, current.id);
      } else {
        ids.set(spec.name, (await inventory.insertInterface(tx, { ...fields, host_id: host.id, created_at: at, updated_at: at })).id);
      }
    }
    await inventory.deleteInterfaces(tx, existing.filter((row) => !ids.has(row.name)).map((row) => row.id));
    const links = parsed.flatMap((spec) => interfaceParents(spec).map((parent, position) => ({ interface_id: ids.get(spec.name)!, parent_id: ids.get(parent.name)!, role: parent.role, position })));
    await inventory.replaceLinks(tx, [...ids.values()], links);
    await insertChanges(tx, [changeEntry(context, 'host', { id: host.id, name: host.name }, 'update', { interfaces: before }, { interfaces: parsed })]);
    return { ...toHost(host), interfaces: parsed };
  });
}

export async function showHost(context: Context, name: string): Promise<HostDetail> {
  return context.store.read(async (conn) => {
    const host = await requireHost(conn, name);
    return { ...toHost(host), interfaces: (await inventory.listInterfaces(conn, host.id)).map(toSpec) };
  });
}

export async function listHosts(context: Context, filter: { cluster?: string; q?: string; limit?: number | string; after?: string } = {}): Promise<Host[]> {
  const limit = filter.limit === undefined ? undefined : checkLimit(filter.limit);
  return context.store.read(async (conn) => (await inventory.listHosts(conn, { cluster: filter.cluster, q: filter.q, limit, afterName: filter.after })).map(toHost));
}

export type HostInterface = InterfaceSpec & { host: string };

/** Interfaces across hosts (the port-groups resource is this with kind `portgroup`). */
export async function listInterfaces(
  context: Context,
  filter: { host?: string; kind?: string; vlan?: number | string; limit?: number | string; after?: { host: string; name: string } } = {},
): Promise<HostInterface[]> {
  const checks = new Checks();
  const limit = filter.limit === undefined ? undefined : checks.check(() => checkLimit(filter.limit));
  const kind = filter.kind === undefined ? undefined : checks.check(() => checkOneOf('kind', filter.kind, INTERFACE_KINDS));
  const vlan = filter.vlan === undefined ? undefined : checks.check(() => checkInteger('vlan', filter.vlan, 0, 4095, 'a VLAN ID'));
  checks.done();
  return context.store.read(async (conn) => {
    let hostId: number | undefined;
    if (filter.host !== undefined) {
      const host = await inventory.findHost(conn, filter.host);
      if (!host) return [];
      hostId = host.id;
    }
    const after = filter.after ? { hostName: filter.after.host, name: filter.after.name } : undefined;
    const rows = await inventory.listAllInterfaces(conn, { hostId, kind, vlan, limit, after });
    return rows.map((row) => ({ ...toSpec(row), host: row.host_name }));
  });
}
