import type { Conn } from './store.ts';
import type { NewSubnetRow, SubnetRow, SubnetUpdate } from './schema.ts';
import { containsText } from './text-search.ts';

export interface SubnetWithNames extends SubnetRow {
  wire_name: string;
  space_name: string;
}

const withNames = (conn: Conn) =>
  conn.db
    .selectFrom('subnets')
    .innerJoin('wires', 'wires.id', 'subnets.wire_id')
    .innerJoin('ip_spaces', 'ip_spaces.id', 'subnets.space_id')
    .selectAll('subnets')
    .select(['wires.name as wire_name', 'ip_spaces.name as space_name']);

export async function findSubnet(conn: Conn, name: string): Promise<SubnetWithNames | undefined> {
  return withNames(conn).where('subnets.name', '=', name).executeTakeFirst();
}

export async function findSubnetById(conn: Conn, id: number): Promise<SubnetWithNames | undefined> {
  return withNames(conn).where('subnets.id', '=', id).executeTakeFirst();
}

export interface SubnetFilter {
  wireId?: number;
  vlan?: number;
  q?: string;
  afterName?: string;
  limit?: number;
}

export async function listSubnets(conn: Conn, filter: SubnetFilter = {}): Promise<SubnetWithNames[]> {
  let query = withNames(conn).orderBy('subnets.name');
  if (filter.wireId !== undefined) query = query.where('subnets.wire_id', '=', filter.wireId);
  if (filter.vlan !== undefined) query = query.where('subnets.vlan', '=', filter.vlan);
  if (filter.q) query = query.where(containsText('subnets.name', filter.q));
  if (filter.afterName !== undefined) query = query.where('subnets.name', '>', filter.afterName);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** The subnet of a space that contains an address key, if any (subnets of a space never overlap). */
export async function findSubnetContaining(conn: Conn, spaceId: number, key: string): Promise<SubnetWithNames | undefined> {
  return withNames(conn)
    .where('subnets.space_id', '=', spaceId)
    .where('subnets.first_key', '<=', key)
    .orderBy('subnets.first_key', 'desc')
    .limit(1)
    .executeTakeFirst()
    .then((subnet) => (subnet && subnet.last_key >= key ? subnet : undefined));
}

/** Subnets of the space whose range meets [firstKey, lastKey]. */
export async function findOverlappingSubnets(conn: Conn, spaceId: number, firstKey: string, lastKey: string): Promise<SubnetRow[]> {
  return conn.db
    .selectFrom('subnets')
    .selectAll()
    .where('space_id', '=', spaceId)
    .where('first_key', '<=', lastKey)
    .where('last_key', '>=', firstKey)
    .orderBy('first_key')
    .limit(5)
    .execute();
}

export async function insertSubnet(conn: Conn, subnet: NewSubnetRow): Promise<SubnetRow> {
  return conn.db.insertInto('subnets').values(subnet).returningAll().executeTakeFirstOrThrow();
}

export async function updateSubnet(conn: Conn, id: number, changes: SubnetUpdate): Promise<void> {
  await conn.db.updateTable('subnets').set(changes).where('id', '=', id).execute();
}

export async function insertPools(conn: Conn, subnetId: number, pools: { first_key: string; last_key: string }[]): Promise<void> {
  if (pools.length) await conn.db.insertInto('subnet_pools').values(pools.map((pool) => ({ subnet_id: subnetId, ...pool }))).execute();
}

export type PoolKeys = { first_key: string; last_key: string };

/** The pools of several subnets, by subnet. */
export async function listPools(conn: Conn, subnetIds: number[]): Promise<Map<number, PoolKeys[]>> {
  const bySubnet = new Map<number, PoolKeys[]>(subnetIds.map((id) => [id, []]));
  if (!subnetIds.length) return bySubnet;
  const rows = await conn.db.selectFrom('subnet_pools').select(['subnet_id', 'first_key', 'last_key']).where('subnet_id', 'in', subnetIds).orderBy('first_key').execute();
  for (const row of rows) bySubnet.get(row.subnet_id)!.push({ first_key: row.first_key, last_key: row.last_key });
  return bySubnet;
}

export async function poolContaining(conn: Conn, subnetId: number, key: string): Promise<boolean> {
  const pool = await conn.db
    .selectFrom('subnet_pools')
    .select('last_key')
    .where('subnet_id', '=', subnetId)
    .where('first_key', '<=', key)
    .orderBy('first_key', 'desc')
    .limit(1)
    .executeTakeFirst();
  return pool !== undefined && pool.last_key >= key;
}

/** Deletes a subnet with everything that belongs only to it. */
export async function deleteSubnetCascade(conn: Conn, id: number): Promise<void> {
  await conn.db.deleteFrom('addresses').where('subnet_id', '=', id).execute();
  await conn.db.deleteFrom('address_holds').where('subnet_id', '=', id).execute();
  await conn.db.deleteFrom('free_ranges').where('subnet_id', '=', id).execute();
  await conn.db.deleteFrom('subnet_pools').where('subnet_id', '=', id).execute();
  await conn.db.deleteFrom('subnets').where('id', '=', id).execute();
}

/**
 * Serializes allocations in one subnet and nothing else: PostgreSQL takes the subnet's row lock,
 * so allocations in other subnets go on in parallel. SQLite has one writer per file: its
 * BEGIN IMMEDIATE (Store.write) already holds it.
 */
export async function lockSubnet(conn: Conn, id: number): Promise<void> {
  if (conn.dialect === 'postgres') await conn.db.selectFrom('subnets').select('id').where('id', '=', id).forUpdate().execute();
}

/** Serializes subnet creation in one IP space, so two overlapping subnets cannot both pass the overlap check. */
export async function lockSpace(conn: Conn, id: number): Promise<void> {
  if (conn.dialect === 'postgres') await conn.db.selectFrom('ip_spaces').select('id').where('id', '=', id).forUpdate().execute();
}

export async function findSpace(conn: Conn, name: string): Promise<{ id: number; name: string } | undefined> {
  return conn.db.selectFrom('ip_spaces').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
}

export async function countSubnetsOfWire(conn: Conn, wireId: number): Promise<number> {
  const row = await conn.db.selectFrom('subnets').select((eb) => eb.fn.countAll<number>().as('n')).where('wire_id', '=', wireId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deletePools(conn: Conn, subnetId: number): Promise<void> {
  await conn.db.deleteFrom('subnet_pools').where('subnet_id', '=', subnetId).execute();
}

export async function insertSpace(conn: Conn, space: { name: string; description: string }): Promise<{ id: number; name: string; description: string }> {
  return conn.db.insertInto('ip_spaces').values(space).returningAll().executeTakeFirstOrThrow();
}

export async function listSpaces(conn: Conn): Promise<{ id: number; name: string; description: string }[]> {
  return conn.db.selectFrom('ip_spaces').selectAll().orderBy('name').execute();
}
