import type { Conn } from './store.ts';
import type { ApiTokenRow } from './schema.ts';

export async function insertToken(conn: Conn, token: Omit<ApiTokenRow, 'id'>): Promise<ApiTokenRow> {
  return conn.db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
}

export async function findTokenByHash(conn: Conn, secretHash: string): Promise<ApiTokenRow | undefined> {
  return conn.db.selectFrom('api_tokens').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
}

export async function findTokenByName(conn: Conn, name: string): Promise<ApiTokenRow | undefined> {
  return conn.db.selectFrom('api_tokens').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listTokens(conn: Conn): Promise<ApiTokenRow[]> {
  return conn.db.selectFrom('api_tokens').selectAll().orderBy('name').execute();
}

export async function countTokens(conn: Conn): Promise<number> {
  const row = await conn.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function touchToken(conn: Conn, id: number, at: string): Promise<void> {
  await conn.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

export async function deleteToken(conn: Conn, id: number): Promise<void> {
  await conn.db.deleteFrom('api_tokens').where('id', '=', id).execute();
}
