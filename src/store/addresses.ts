import type { Conn } from './store.ts';
import type { AddressRow, NewAddressRow } from './schema.ts';
import { startsWithText } from './text-search.ts';

export interface AddressWithNames extends AddressRow {
  subnet_name: string;
  space_name: string;
}

const withNames = (conn: Conn) =>
  conn.db
    .selectFrom('addresses')
    .innerJoin('subnets', 'subnets.id', 'addresses.subnet_id')
    .innerJoin('ip_spaces', 'ip_spaces.id', 'addresses.space_id')
    .selectAll('addresses')
    .select(['subnets.name as subnet_name', 'ip_spaces.name as space_name']);

// SQLite allows 32766 bound parameters per statement; a row here binds 10.
const INSERT_CHUNK = 1000;

export async function insertAddresses(conn: Conn, rows: NewAddressRow[]): Promise<AddressRow[]> {
  const inserted: AddressRow[] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    inserted.push(...(await conn.db.insertInto('addresses').values(rows.slice(start, start + INSERT_CHUNK)).returningAll().execute()));
  }
  return inserted;
}

export async function findAddress(conn: Conn, spaceId: number, key: string): Promise<AddressWithNames | undefined> {
  return withNames(conn).where('addresses.space_id', '=', spaceId).where('addresses.key', '=', key).executeTakeFirst();
}

export async function deleteAddress(conn: Conn, id: number): Promise<void> {
  await conn.db.deleteFrom('addresses').where('id', '=', id).execute();
}

export async function updateAddress(conn: Conn, id: number, changes: Partial<Pick<AddressRow, 'state' | 'owner_kind' | 'owner_id' | 'note' | 'updated_at'>>): Promise<void> {
  await conn.db.updateTable('addresses').set(changes).where('id', '=', id).execute();
}

export interface AddressFilter {
  subnetId?: number;
  state?: string;
  ownerKind?: string;
  ownerId?: string;
  /** Keyset pagination: rows after this (subnet name, key). */
  after?: { subnetName: string; key: string };
  limit?: number;
}

export async function listAddresses(conn: Conn, filter: AddressFilter = {}): Promise<AddressWithNames[]> {
  let query = withNames(conn).orderBy('subnets.name').orderBy('addresses.key');
  if (filter.subnetId !== undefined) query = query.where('addresses.subnet_id', '=', filter.subnetId);
  if (filter.state !== undefined) query = query.where('addresses.state', '=', filter.state);
  if (filter.ownerKind !== undefined) query = query.where('addresses.owner_kind', '=', filter.ownerKind);
  if (filter.ownerId !== undefined) query = query.where('addresses.owner_id', '=', filter.ownerId);
  if (filter.after) {
    const { subnetName, key } = filter.after;
    query = query.where((eb) => eb.or([eb('subnets.name', '>', subnetName), eb.and([eb('subnets.name', '=', subnetName), eb('addresses.key', '>', key)])]));
  }
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** Address records per subnet, by state: one grouped query for a whole page of subnets. */
export async function countAddressesByState(conn: Conn, subnetIds: number[]): Promise<Map<number, Record<string, number>>> {
  const counts = new Map<number, Record<string, number>>(subnetIds.map((id) => [id, {}]));
  if (!subnetIds.length) return counts;
  const rows = await conn.db
    .selectFrom('addresses')
    .select(['subnet_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('subnet_id', 'in', subnetIds)
    .groupBy(['subnet_id', 'state'])
    .execute();
  for (const row of rows) counts.get(row.subnet_id)![row.state] = Number(row.n);
  return counts;
}

/** Address records held by owners whose id starts with `prefix` (e.g. every vNIC of one VM). */
export async function listOwnedBy(conn: Conn, ownerKind: string, ownerIdPrefix: string): Promise<AddressWithNames[]> {
  return withNames(conn).where('addresses.owner_kind', '=', ownerKind).where(startsWithText('addresses.owner_id', ownerIdPrefix)).execute();
}
