/**
 * Sync accounts: where a vCenter is and how to log in. The password is sealed at rest and never
 * returned, printed or logged; TLS is verified unless a CA, a pinned thumbprint or `insecure` says
 * otherwise.
 */
import { conflict, HostwireError, invalid, notFound } from '../domain/errors.ts';
import { Checks, checkName } from '../domain/validate.ts';
import * as accounts from '../store/accounts.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import type { AccountRow, SyncRow } from '../store/schema.ts';
import { seal, unseal } from './secrets.ts';

export interface AccountInput {
  name: string;
  kind: string;
  url: string;
  username: string;
  password: string;
  ca?: string;
  thumbprint?: string;
  insecure?: boolean;
}

export interface LastSync {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  summary: unknown;
  error: string | null;
}

export interface Account {
  name: string;
  kind: 'vsphere';
  url: string;
  username: string;
  tls: 'verified' | 'custom-ca' | 'pinned' | 'insecure';
  thumbprint: string | null;
  instanceUuid: string | null;
  createdAt: string;
  lastSync: LastSync | null;
}

/** What the connector needs to log in, password included: never put this in a response or a log. */
export interface AccountCredentials {
  id: number;
  name: string;
  url: string;
  username: string;
  password: string;
  tls: { ca?: string; thumbprint?: string; insecure?: boolean };
  instanceUuid: string | null;
}

const THUMBPRINT = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

function toLastSync(row: SyncRow | undefined): LastSync | null {
  if (!row) return null;
  return { id: row.id, startedAt: row.started_at, finishedAt: row.finished_at, status: row.status, summary: row.summary_json ? JSON.parse(row.summary_json) : null, error: row.error };
}

function toAccount(row: AccountRow, last: SyncRow | undefined): Account {
  const tls = row.tls_insecure ? 'insecure' : row.tls_thumbprint ? 'pinned' : row.tls_ca ? 'custom-ca' : 'verified';
  return { name: row.name, kind: 'vsphere', url: row.url, username: row.username, tls, thumbprint: row.tls_thumbprint, instanceUuid: row.instance_uuid, createdAt: row.created_at, lastSync: toLastSync(last) };
}

function checkUrl(value: string, insecure: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('url', `'${value}' is not a URL: use https://vcenter.example.com/sdk`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecure)) throw invalid('url', `'${value}' must be https:// (plain http only with --insecure)`);
  if (url.username || url.password) throw invalid('url', 'put no credentials in the URL: use --username and --password-env');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sdk';
  return url.toString();
}

export async function addAccount(context: Context, input: AccountInput): Promise<Account> {
  const checks = new Checks();
  const name = checks.check(() => checkName('name', input.name));
  if (input.kind !== 'vsphere') checks.fail('kind', `'${input.kind}' is not supported: use vsphere`);
  const url = checks.check(() => checkUrl(input.url, Boolean(input.insecure)));
  if (!input.username || input.username.length > 256) checks.fail('username', 'a user name of 1-256 characters is required');
  if (!input.password || input.password.length > 1024) checks.fail('password', 'a password is required (from --password-env VAR or the prompt)');
  const tlsChoices = [input.ca, input.thumbprint, input.insecure || undefined].filter((choice) => choice !== undefined);
  if (tlsChoices.length > 1) checks.fail('tls', 'give one of --ca, --thumbprint or --insecure');
  if (input.thumbprint && !THUMBPRINT.test(input.thumbprint)) checks.fail('thumbprint', 'a SHA-256 thumbprint is 32 hex bytes, e.g. AB:CD:...');
  if (input.ca !== undefined && !input.ca.includes('-----BEGIN CERTIFICATE-----')) checks.fail('ca', 'is not a PEM certificate');
  checks.done();
  return context.store.write(async (tx) => {
    if (await accounts.findAccount(tx, name!)) throw conflict(`name: an account named '${name}' already exists`, 'name');
    const at = context.now().toISOString();
    const row = await accounts.insertAccount(tx, {
      name: name!,
      kind: 'vsphere',
      url: url!,
      username: input.username,
      password_sealed: seal(context.store, input.password),
      tls_ca: input.ca ?? null,
      tls_thumbprint: input.thumbprint?.toUpperCase() ?? null,
      tls_insecure: input.insecure ? 1 : 0,
      instance_uuid: null,
      created_at: at,
      updated_at: at,
    });
    const account = toAccount(row, undefined);
    await insertChanges(tx, [changeEntry(context, 'account', { id: row.id, name: row.name }, 'create', null, account)]);
    return account;
  });
}

export async function listAccounts(context: Context): Promise<Account[]> {
  return context.store.read(async (conn) => {
    const rows = await accounts.listAccounts(conn);
    const last = await accounts.lastSyncs(conn, rows.map((row) => row.id));
    return rows.map((row) => toAccount(row, last.get(row.id)));
  });
}

export async function showAccount(context: Context, name: string): Promise<Account> {
  return context.store.read(async (conn) => {
    const row = await accounts.findAccount(conn, name);
    if (!row) throw notFound('account', name);
    return toAccount(row, (await accounts.lastSyncs(conn, [row.id])).get(row.id));
  });
}

export async function removeAccount(context: Context, name: string): Promise<Account> {
  return context.store.write(async (tx) => {
    const row = await accounts.findAccount(tx, name);
    if (!row) throw notFound('account', name);
    const account = toAccount(row, undefined);
    await accounts.deleteAccount(tx, row.id);
    await insertChanges(tx, [changeEntry(context, 'account', { id: row.id, name: row.name }, 'delete', account, null)]);
    return account;
  });
}

export interface SyncRecord extends LastSync {
  account: string;
}

/** One recorded sync by id, with its account's name. */
export async function showSync(context: Context, id: number): Promise<SyncRecord> {
  const row = await context.store.read((conn) => accounts.findSync(conn, id));
  if (!row) throw notFound('sync', String(id));
  return { ...toLastSync(row)!, account: row.account_name };
}

export async function accountCredentials(context: Context, name: string): Promise<AccountCredentials> {
  const row = await context.store.read((conn) => accounts.findAccount(conn, name));
  if (!row) throw notFound('account', name);
  if (row.kind !== 'vsphere') throw new HostwireError('validation', `account '${name}' is a ${row.kind} account`);
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    username: row.username,
    password: unseal(context.store, row.password_sealed),
    tls: { ca: row.tls_ca ?? undefined, thumbprint: row.tls_thumbprint ?? undefined, insecure: row.tls_insecure === 1 },
    instanceUuid: row.instance_uuid,
  };
}
