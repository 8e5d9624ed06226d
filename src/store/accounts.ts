import type { Insertable } from 'kysely';
import type { Conn } from './store.ts';
import type { AccountRow, AccountTable, SwitchWireRow, SyncRow } from './schema.ts';

export async function insertAccount(conn: Conn, account: Insertable<AccountTable>): Promise<AccountRow> {
  return conn.db.insertInto('accounts').values(account).returningAll().executeTakeFirstOrThrow();
}

export async function findAccount(conn: Conn, name: string): Promise<AccountRow | undefined> {
  return conn.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listAccounts(conn: Conn): Promise<AccountRow[]> {
  return conn.db.selectFrom('accounts').selectAll().orderBy('name').execute();
}

export async function updateAccount(conn: Conn, id: number, changes: Partial<Insertable<AccountTable>>): Promise<void> {
  await conn.db.updateTable('accounts').set(changes).where('id', '=', id).execute();
}

export async function deleteAccount(conn: Conn, id: number): Promise<void> {
  await conn.db.deleteFrom('syncs').where('account_id', '=', id).execute();
  await conn.db.deleteFrom('accounts').where('id', '=', id).execute();
}

export async function insertSync(conn: Conn, accountId: number, startedAt: string): Promise<number> {
  return (await conn.db.insertInto('syncs').values({ account_id: accountId, started_at: startedAt, status: 'running' }).returning('id').executeTakeFirstOrThrow()).id;
}

export async function finishSync(conn: Conn, id: number, changes: { finished_at: string; status: string; summary_json: string | null; error: string | null }): Promise<void> {
  await conn.db.updateTable('syncs').set(changes).where('id', '=', id).execute();
}

export async function findSync(conn: Conn, id: number): Promise<(SyncRow & { account_name: string }) | undefined> {
  return conn.db
    .selectFrom('syncs')
    .innerJoin('accounts', 'accounts.id', 'syncs.account_id')
    .selectAll('syncs')
    .select('accounts.name as account_name')
    .where('syncs.id', '=', id)
    .executeTakeFirst();
}

export async function lastSyncs(conn: Conn, accountIds: number[]): Promise<Map<number, SyncRow>> {
  if (!accountIds.length) return new Map();
  const rows = await conn.db.selectFrom('syncs').selectAll().where('account_id', 'in', accountIds).orderBy('id', 'desc').execute();
  const last = new Map<number, SyncRow>();
  for (const row of rows) if (!last.has(row.account_id)) last.set(row.account_id, row);
  return last;
}

export async function findSwitchWire(conn: Conn, switchKey: string): Promise<SwitchWireRow | undefined> {
  return conn.db.selectFrom('switch_wires').selectAll().where('switch_key', '=', switchKey).executeTakeFirst();
}

export async function upsertSwitchWire(conn: Conn, row: SwitchWireRow): Promise<void> {
  await conn.db
    .insertInto('switch_wires')
    .values(row)
    .onConflict((oc) => oc.column('switch_key').doUpdateSet({ wire_id: row.wire_id, origin: row.origin, label: row.label, evidence_json: row.evidence_json, updated_at: row.updated_at }))
    .execute();
}

export async function listSwitchWires(conn: Conn, filter: { wireId?: number } = {}): Promise<SwitchWireRow[]> {
  let query = conn.db.selectFrom('switch_wires').selectAll().orderBy('switch_key');
  if (filter.wireId !== undefined) query = query.where('wire_id', '=', filter.wireId);
  return query.execute();
}

export async function moveSwitchWires(conn: Conn, fromWireId: number, toWireId: number, at: string): Promise<void> {
  await conn.db.updateTable('switch_wires').set({ wire_id: toWireId, updated_at: at }).where('wire_id', '=', fromWireId).execute();
}
