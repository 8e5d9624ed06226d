import type { Conn } from './store.ts';
import { containsText } from './text-search.ts';
import type { WireRow } from './schema.ts';

export type NewWire = Omit<WireRow, 'id'>;

export async function insertWire(conn: Conn, wire: NewWire): Promise<WireRow> {
  return conn.db.insertInto('wires').values(wire).returningAll().executeTakeFirstOrThrow();
}

export async function findWire(conn: Conn, name: string): Promise<WireRow | undefined> {
  return conn.db.selectFrom('wires').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function findWireById(conn: Conn, id: number): Promise<WireRow | undefined> {
  return conn.db.selectFrom('wires').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWires(conn: Conn, filter: { q?: string; afterName?: string; limit?: number } = {}): Promise<WireRow[]> {
  let query = conn.db.selectFrom('wires').selectAll().orderBy('name');
  if (filter.q) query = query.where(containsText('name', filter.q));
  if (filter.afterName !== undefined) query = query.where('name', '>', filter.afterName);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

export async function updateWire(conn: Conn, id: number, changes: Partial<Pick<WireRow, 'description' | 'mtu' | 'updated_at'>>): Promise<WireRow> {
  return conn.db.updateTable('wires').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteWire(conn: Conn, id: number): Promise<void> {
  await conn.db.deleteFrom('wires').where('id', '=', id).execute();
}
