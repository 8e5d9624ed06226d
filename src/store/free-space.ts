/**
 * The free space of a subnet's pools as disjoint ranges, and the hold-down queue of released
 * addresses. Every function is one indexed statement: the IPAM engine composes them.
 */
import type { Conn } from './store.ts';
import type { FreeRangeRow } from './schema.ts';

export type FreeRange = Pick<FreeRangeRow, 'first_key' | 'last_key'>;

const ranges = (conn: Conn, subnetId: number) =>
  conn.db.selectFrom('free_ranges').select(['first_key', 'last_key']).where('subnet_id', '=', subnetId);

export async function lowestFreeRanges(conn: Conn, subnetId: number, limit: number): Promise<FreeRange[]> {
  return ranges(conn, subnetId).orderBy('first_key', 'asc').limit(limit).execute();
}

export async function highestFreeRanges(conn: Conn, subnetId: number, limit: number): Promise<FreeRange[]> {
  return ranges(conn, subnetId).orderBy('last_key', 'desc').limit(limit).execute();
}

/** The free range starting at or before `key`: it contains `key` when its last key is >= `key`. */
export async function freeRangeAtOrBefore(conn: Conn, subnetId: number, key: string): Promise<FreeRange | undefined> {
  return ranges(conn, subnetId).where('first_key', '<=', key).orderBy('first_key', 'desc').limit(1).executeTakeFirst();
}

export async function freeRangeAfter(conn: Conn, subnetId: number, key: string): Promise<FreeRange | undefined> {
  return ranges(conn, subnetId).where('first_key', '>', key).orderBy('first_key', 'asc').limit(1).executeTakeFirst();
}

export async function freeRangeEndingAt(conn: Conn, subnetId: number, lastKey: string): Promise<FreeRange | undefined> {
  return ranges(conn, subnetId).where('last_key', '=', lastKey).executeTakeFirst();
}

export async function freeRangeStartingAt(conn: Conn, subnetId: number, firstKey: string): Promise<FreeRange | undefined> {
  return ranges(conn, subnetId).where('first_key', '=', firstKey).executeTakeFirst();
}

/** The free ranges of several subnets, by subnet. */
export async function freeRangesOf(conn: Conn, subnetIds: number[]): Promise<Map<number, FreeRange[]>> {
  const bySubnet = new Map<number, FreeRange[]>(subnetIds.map((id) => [id, []]));
  if (!subnetIds.length) return bySubnet;
  const rows = await conn.db.selectFrom('free_ranges').select(['subnet_id', 'first_key', 'last_key']).where('subnet_id', 'in', subnetIds).orderBy('first_key').execute();
  for (const row of rows) bySubnet.get(row.subnet_id)!.push({ first_key: row.first_key, last_key: row.last_key });
  return bySubnet;
}

export async function insertFreeRange(conn: Conn, subnetId: number, range: FreeRange): Promise<void> {
  await conn.db.insertInto('free_ranges').values({ subnet_id: subnetId, ...range }).execute();
}

export async function replaceFreeRange(conn: Conn, subnetId: number, firstKey: string, range: FreeRange): Promise<void> {
  await conn.db.updateTable('free_ranges').set(range).where('subnet_id', '=', subnetId).where('first_key', '=', firstKey).execute();
}

export async function deleteFreeRanges(conn: Conn, subnetId: number, firstKeys: string[]): Promise<void> {
  if (firstKeys.length) await conn.db.deleteFrom('free_ranges').where('subnet_id', '=', subnetId).where('first_key', 'in', firstKeys).execute();
}

export async function insertHold(conn: Conn, subnetId: number, key: string, until: string): Promise<void> {
  await conn.db.insertInto('address_holds').values({ subnet_id: subnetId, key, until }).execute();
}

export async function findHold(conn: Conn, subnetId: number, key: string): Promise<{ until: string } | undefined> {
  return conn.db.selectFrom('address_holds').select('until').where('subnet_id', '=', subnetId).where('key', '=', key).executeTakeFirst();
}

/** Removes and returns the holds of a subnet that ended at or before `now`. */
export async function takeExpiredHolds(conn: Conn, subnetId: number, now: string, limit: number): Promise<string[]> {
  const expired = await conn.db
    .selectFrom('address_holds')
    .select('key')
    .where('subnet_id', '=', subnetId)
    .where('until', '<=', now)
    .orderBy('until')
    .limit(limit)
    .execute();
  const keys = expired.map((row) => row.key);
  if (keys.length) await conn.db.deleteFrom('address_holds').where('subnet_id', '=', subnetId).where('key', 'in', keys).execute();
  return keys;
}

/** Per subnet, holds still running at `now` and those that ended but were not yet reclaimed. */
export async function countHolds(conn: Conn, subnetIds: number[], now: string): Promise<Map<number, { active: number; expired: number }>> {
  const counts = new Map(subnetIds.map((id) => [id, { active: 0, expired: 0 }]));
  if (!subnetIds.length) return counts;
  const rows = await conn.db
    .selectFrom('address_holds')
    .select(['subnet_id', (eb) => eb.case().when('until', '>', now).then(1).else(0).end().as('active'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('subnet_id', 'in', subnetIds)
    .groupBy(['subnet_id', 'active'])
    .execute();
  for (const row of rows) counts.get(row.subnet_id)![Number(row.active) === 1 ? 'active' : 'expired'] = Number(row.n);
  return counts;
}

/** Keys in [firstKey, lastKey] that are not free: address records and running or expired holds, in order. */
export async function takenKeysBetween(conn: Conn, subnetId: number, firstKey: string, lastKey: string): Promise<string[]> {
  const records = await conn.db.selectFrom('addresses').select('key').where('subnet_id', '=', subnetId).where('key', '>=', firstKey).where('key', '<=', lastKey).execute();
  const holds = await conn.db.selectFrom('address_holds').select('key').where('subnet_id', '=', subnetId).where('key', '>=', firstKey).where('key', '<=', lastKey).execute();
  return [...new Set([...records, ...holds].map((row) => row.key))].sort();
}

export async function clearFreeRanges(conn: Conn, subnetId: number): Promise<void> {
  await conn.db.deleteFrom('free_ranges').where('subnet_id', '=', subnetId).execute();
}
