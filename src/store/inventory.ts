/** Hosts with their interface graph, VMs with their vNICs, and tags on any object. */
import type { Conn } from './store.ts';
import type { Insertable } from 'kysely';
import type { HostFactsRow, HostInterfaceRow, HostRow, HostTable, VmRow, VmTable, VnicRow } from './schema.ts';
import { containsText, startsWithText } from './text-search.ts';

export type NewHost = Insertable<HostTable>;

export async function findHost(conn: Conn, name: string): Promise<HostRow | undefined> {
  return conn.db.selectFrom('hosts').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function findHostById(conn: Conn, id: number): Promise<HostRow | undefined> {
  return conn.db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findHostByExternalId(conn: Conn, externalId: string): Promise<HostRow | undefined> {
  return conn.db.selectFrom('hosts').selectAll().where('external_id', '=', externalId).executeTakeFirst();
}

/** Hosts and VMs a source knows (external ids start with `<instance>:`) that are not marked removed. */
export async function listSourcedIds(conn: Conn, table: 'hosts' | 'vms', prefix: string): Promise<{ id: number; name: string; external_id: string; uuid: string }[]> {
  const rows =
    table === 'vms'
      ? await conn.db.selectFrom('vms').select(['id', 'name', 'external_id', 'uuid']).where(startsWithText('external_id', prefix)).where('removed_at', 'is', null).execute()
      : (await conn.db.selectFrom('hosts').select(['id', 'name', 'external_id']).where(startsWithText('external_id', prefix)).where('removed_at', 'is', null).execute()).map((row) => ({ ...row, uuid: '' }));
  return rows.map((row) => ({ ...row, external_id: row.external_id ?? '' }));
}

export async function markRemoved(conn: Conn, table: 'hosts' | 'vms', id: number, at: string): Promise<void> {
  await conn.db.updateTable(table).set({ removed_at: at, updated_at: at }).where('id', '=', id).execute();
}

export async function insertHost(conn: Conn, host: NewHost): Promise<HostRow> {
  return conn.db.insertInto('hosts').values(host).returningAll().executeTakeFirstOrThrow();
}

export async function updateHost(conn: Conn, id: number, changes: Partial<NewHost>): Promise<HostRow> {
  return conn.db.updateTable('hosts').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function listHosts(conn: Conn, filter: { cluster?: string; q?: string; afterName?: string; limit?: number } = {}): Promise<HostRow[]> {
  let query = conn.db.selectFrom('hosts').selectAll().where('removed_at', 'is', null).orderBy('name');
  if (filter.cluster !== undefined) query = query.where('cluster', '=', filter.cluster);
  if (filter.q) query = query.where(containsText('name', filter.q));
  if (filter.afterName !== undefined) query = query.where('name', '>', filter.afterName);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

export async function listInterfaces(conn: Conn, hostId: number): Promise<HostInterfaceRow[]> {
  return conn.db.selectFrom('host_interfaces').selectAll().where('host_id', '=', hostId).orderBy('id').execute();
}

export type NewInterface = Omit<HostInterfaceRow, 'id'>;

export async function insertInterface(conn: Conn, row: NewInterface): Promise<HostInterfaceRow> {
  return conn.db.insertInto('host_interfaces').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateInterface(conn: Conn, id: number, changes: Partial<NewInterface>): Promise<void> {
  await conn.db.updateTable('host_interfaces').set(changes).where('id', '=', id).execute();
}

/** Removes interfaces, first detaching the vNICs that sat on them and every graph edge they are in. */
export async function deleteInterfaces(conn: Conn, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await conn.db.updateTable('vnics').set({ portgroup_id: null }).where('portgroup_id', 'in', ids).execute();
  await conn.db.deleteFrom('interface_links').where((eb) => eb.or([eb('interface_id', 'in', ids), eb('parent_id', 'in', ids)])).execute();
  await conn.db.deleteFrom('host_interfaces').where('id', 'in', ids).execute();
}

export interface LinkRow {
  interface_id: number;
  parent_id: number;
  role: string;
  position: number;
}

export async function replaceLinks(conn: Conn, interfaceIds: number[], links: LinkRow[]): Promise<void> {
  if (interfaceIds.length) await conn.db.deleteFrom('interface_links').where('interface_id', 'in', interfaceIds).execute();
  if (links.length) await conn.db.insertInto('interface_links').values(links).execute();
}

export async function findVm(conn: Conn, uuid: string): Promise<VmRow | undefined> {
  return conn.db.selectFrom('vms').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

export type NewVm = Insertable<VmTable>;

export async function findVmsByName(conn: Conn, name: string): Promise<VmRow[]> {
  return conn.db.selectFrom('vms').selectAll().where('name', '=', name).where('removed_at', 'is', null).orderBy('uuid').execute();
}

export async function insertVm(conn: Conn, vm: NewVm): Promise<VmRow> {
  return conn.db.insertInto('vms').values(vm).returningAll().executeTakeFirstOrThrow();
}

export async function updateVm(conn: Conn, id: number, changes: Partial<NewVm>): Promise<void> {
  await conn.db.updateTable('vms').set(changes).where('id', '=', id).execute();
}

export interface VmFilter {
  hostId?: number;
  q?: string;
  afterUuid?: string;
  limit?: number;
}

export async function listVms(conn: Conn, filter: VmFilter = {}): Promise<VmRow[]> {
  let query = conn.db.selectFrom('vms').selectAll().where('removed_at', 'is', null).orderBy('uuid');
  if (filter.hostId !== undefined) query = query.where('host_id', '=', filter.hostId);
  if (filter.q) query = query.where(containsText('name', filter.q));
  if (filter.afterUuid !== undefined) query = query.where('uuid', '>', filter.afterUuid);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

export async function listVnics(conn: Conn, vmId: number): Promise<(VnicRow & { portgroup_name: string | null })[]> {
  return conn.db
    .selectFrom('vnics')
    .leftJoin('host_interfaces', 'host_interfaces.id', 'vnics.portgroup_id')
    .selectAll('vnics')
    .select('host_interfaces.name as portgroup_name')
    .where('vm_id', '=', vmId)
    .orderBy('vnics.id')
    .execute();
}

export type NewVnic = Omit<VnicRow, 'id'>;

export async function insertVnic(conn: Conn, vnic: NewVnic): Promise<void> {
  await conn.db.insertInto('vnics').values(vnic).execute();
}

export async function updateVnic(conn: Conn, id: number, changes: Partial<NewVnic>): Promise<void> {
  await conn.db.updateTable('vnics').set(changes).where('id', '=', id).execute();
}

export async function deleteVnics(conn: Conn, ids: number[]): Promise<void> {
  if (ids.length) await conn.db.deleteFrom('vnics').where('id', 'in', ids).execute();
}

export async function listTags(conn: Conn, objectKind: string, objectId: number): Promise<{ key: string; value: string }[]> {
  return conn.db.selectFrom('tags').select(['key', 'value']).where('object_kind', '=', objectKind).where('object_id', '=', objectId).orderBy('key').execute();
}

export async function findTag(conn: Conn, objectKind: string, objectId: number, key: string): Promise<{ value: string } | undefined> {
  return conn.db.selectFrom('tags').select('value').where('object_kind', '=', objectKind).where('object_id', '=', objectId).where('key', '=', key).executeTakeFirst();
}

/** Every object of a kind that has a tag `key`, with its value. */
export async function listTagsByKey(conn: Conn, objectKind: string, key: string): Promise<{ object_id: number; value: string }[]> {
  return conn.db.selectFrom('tags').select(['object_id', 'value']).where('object_kind', '=', objectKind).where('key', '=', key).orderBy('object_id').execute();
}

export async function upsertTag(conn: Conn, objectKind: string, objectId: number, key: string, value: string): Promise<void> {
  await conn.db
    .insertInto('tags')
    .values({ object_kind: objectKind, object_id: objectId, key, value })
    .onConflict((oc) => oc.columns(['object_kind', 'object_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteTag(conn: Conn, objectKind: string, objectId: number, key: string): Promise<void> {
  await conn.db.deleteFrom('tags').where('object_kind', '=', objectKind).where('object_id', '=', objectId).where('key', '=', key).execute();
}

export interface InterfaceFilter {
  hostId?: number;
  kind?: string;
  vlan?: number;
  /** Keyset pagination: rows after (host name, interface name). */
  after?: { hostName: string; name: string };
  limit?: number;
}

/** Interfaces across hosts, ordered by host and interface name. */
export async function listAllInterfaces(conn: Conn, filter: InterfaceFilter = {}): Promise<(HostInterfaceRow & { host_name: string })[]> {
  let query = conn.db
    .selectFrom('host_interfaces')
    .innerJoin('hosts', 'hosts.id', 'host_interfaces.host_id')
    .selectAll('host_interfaces')
    .select('hosts.name as host_name')
    .orderBy('hosts.name')
    .orderBy('host_interfaces.name');
  if (filter.hostId !== undefined) query = query.where('host_interfaces.host_id', '=', filter.hostId);
  if (filter.kind !== undefined) query = query.where('host_interfaces.kind', '=', filter.kind);
  if (filter.vlan !== undefined) query = query.where('host_interfaces.vlan', '=', filter.vlan);
  if (filter.after) {
    const { hostName, name } = filter.after;
    query = query.where((eb) => eb.or([eb('hosts.name', '>', hostName), eb.and([eb('hosts.name', '=', hostName), eb('host_interfaces.name', '>', name)])]));
  }
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

export interface VnicFilter {
  vmId?: number;
  hostId?: number;
  afterId?: number;
  limit?: number;
}

/** vNICs across VMs, in creation order, with their VM and port group names. */
export async function listAllVnics(conn: Conn, filter: VnicFilter = {}) {
  let query = conn.db
    .selectFrom('vnics')
    .innerJoin('vms', 'vms.id', 'vnics.vm_id')
    .leftJoin('host_interfaces', 'host_interfaces.id', 'vnics.portgroup_id')
    .leftJoin('hosts', 'hosts.id', 'vms.host_id')
    .selectAll('vnics')
    .select(['vms.uuid as vm_uuid', 'vms.name as vm_name', 'host_interfaces.name as portgroup_name', 'hosts.name as host_name'])
    .orderBy('vnics.id');
  if (filter.vmId !== undefined) query = query.where('vnics.vm_id', '=', filter.vmId);
  if (filter.hostId !== undefined) query = query.where('vms.host_id', '=', filter.hostId);
  if (filter.afterId !== undefined) query = query.where('vnics.id', '>', filter.afterId);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

export async function findHostFacts(conn: Conn, hostId: number): Promise<HostFactsRow | undefined> {
  return conn.db.selectFrom('host_facts').selectAll().where('host_id', '=', hostId).executeTakeFirst();
}

/** Every host's last observed link state, for the audit. */
export async function listLinkStates(conn: Conn): Promise<{ host_id: number; link_state_json: string }[]> {
  return conn.db.selectFrom('host_facts').select(['host_id', 'link_state_json']).execute();
}

/** Replaces a host's last imported facts. */
export async function saveHostFacts(conn: Conn, row: HostFactsRow): Promise<void> {
  await conn.db.deleteFrom('host_facts').where('host_id', '=', row.host_id).execute();
  await conn.db.insertInto('host_facts').values(row).execute();
}
