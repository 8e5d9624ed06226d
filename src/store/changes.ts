import type { Conn } from './store.ts';
import type { ChangeRow } from './schema.ts';

export type NewChange = Omit<ChangeRow, 'id'>;

// SQLite allows 32766 bound parameters per statement; a change row binds 8.
const INSERT_CHUNK = 1000;

export async function insertChanges(conn: Conn, changes: NewChange[]): Promise<void> {
  for (let start = 0; start < changes.length; start += INSERT_CHUNK) {
    await conn.db.insertInto('changes').values(changes.slice(start, start + INSERT_CHUNK)).execute();
  }
}

export interface ChangeFilter {
  objectKind?: string;
  objectId?: number;
  objectName?: string;
  since?: string;
  until?: string;
  /** Keyset pagination, newest first: entries with an id below this. */
  beforeId?: number;
  limit?: number;
}

/** Newest first. */
export async function listChanges(conn: Conn, filter: ChangeFilter = {}): Promise<ChangeRow[]> {
  let query = conn.db.selectFrom('changes').selectAll().orderBy('id', 'desc');
  if (filter.objectKind !== undefined) query = query.where('object_kind', '=', filter.objectKind);
  if (filter.objectId !== undefined) query = query.where('object_id', '=', filter.objectId);
  if (filter.objectName !== undefined) query = query.where('object_name', '=', filter.objectName);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<', filter.until);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return query.execute();
}

/** One change entry: who did what to which object, with its state before and after. */
export function changeEntry(
  context: { actor: { name: string }; now(): Date },
  objectKind: string,
  object: { id: number | null; name: string },
  action: string,
  before: unknown,
  after: unknown,
): NewChange {
  return {
    at: context.now().toISOString(),
    actor: context.actor.name,
    object_kind: objectKind,
    object_id: object.id,
    object_name: object.name,
    action,
    before_json: before === undefined || before === null ? null : JSON.stringify(before),
    after_json: after === undefined || after === null ? null : JSON.stringify(after),
  };
}

/** The newest change id, to count what a sync writes after it. */
export async function lastChangeId(conn: Conn): Promise<number> {
  const row = await conn.db.selectFrom('changes').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Change entries after `afterId` by one actor, counted by object kind and action. */
export async function countChangesSince(conn: Conn, afterId: number, actor: string): Promise<{ object_kind: string; action: string; n: number }[]> {
  const rows = await conn.db
    .selectFrom('changes')
    .select(['object_kind', 'action', (eb) => eb.fn.countAll<number>().as('n')])
    .where('id', '>', afterId)
    .where('actor', '=', actor)
    .groupBy(['object_kind', 'action'])
    .execute();
  return rows.map((row) => ({ ...row, n: Number(row.n) }));
}
