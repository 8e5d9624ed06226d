/**
 * API tokens: 256 random bits, shown once at creation; the store keeps only their SHA-256 (a
 * token is already high-entropy, so a slow password hash adds nothing but latency per request).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { conflict, notFound } from '../domain/errors.ts';
import { ROLES, type ApiToken, type Role } from '../domain/model.ts';
import { Checks, checkName, checkOneOf } from '../domain/validate.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import type { ApiTokenRow } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import * as tokens from '../store/tokens.ts';

const PREFIX = 'hw_';
/** last_used_at is refreshed at most this often, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

const toToken = (row: ApiTokenRow): ApiToken => ({ name: row.name, role: row.role as Role, createdAt: row.created_at, lastUsedAt: row.last_used_at });

export interface CreatedToken extends ApiToken {
  /** The secret: printed once, never stored. */
  token: string;
}

export async function createToken(context: Context, input: { role: string; name?: string }): Promise<CreatedToken> {
  const checks = new Checks();
  const role = checks.check(() => checkOneOf('role', input.role, ROLES));
  const name = checks.check(() => checkName('name', input.name ?? `${input.role}-${randomBytes(3).toString('hex')}`));
  checks.done();
  const secret = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return context.store.write(async (tx) => {
    if (await tokens.findTokenByName(tx, name!)) throw conflict(`name: a token named '${name}' already exists`, 'name');
    const row = await tokens.insertToken(tx, { name: name!, role: role!, secret_hash: hashSecret(secret), created_at: context.now().toISOString(), last_used_at: null });
    const token = toToken(row);
    await insertChanges(tx, [changeEntry(context, 'token', { id: row.id, name: row.name }, 'create', null, token)]);
    return { ...token, token: secret };
  });
}

export async function listTokens(context: Context): Promise<ApiToken[]> {
  return context.store.read(async (conn) => (await tokens.listTokens(conn)).map(toToken));
}

export async function revokeToken(context: Context, name: string): Promise<ApiToken> {
  return context.store.write(async (tx) => {
    const row = await tokens.findTokenByName(tx, name);
    if (!row) throw notFound('token', name);
    await tokens.deleteToken(tx, row.id);
    const token = toToken(row);
    await insertChanges(tx, [changeEntry(context, 'token', { id: row.id, name: row.name }, 'delete', token, null)]);
    return token;
  });
}

export async function countTokens(store: Store): Promise<number> {
  return store.read((conn) => tokens.countTokens(conn));
}

/** The token a bearer secret belongs to, or null for an unknown or malformed one. */
export async function authenticate(store: Store, secret: string, now: Date): Promise<ApiToken | null> {
  if (!secret.startsWith(PREFIX) || secret.length > 200) return null;
  const hash = hashSecret(secret);
  const row = await store.read((conn) => tokens.findTokenByHash(conn, hash));
  // The lookup is by hash already; the constant-time compare keeps it honest if the index ever changes.
  if (!row || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(hash))) return null;
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
    await store.write((tx) => tokens.touchToken(tx, row.id, now.toISOString()));
  }
  return toToken(row);
}
