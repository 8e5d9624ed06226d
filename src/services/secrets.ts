/**
 * Secrets at rest (vCenter passwords): AES-256-GCM under a key from $HOSTWIRE_SECRET_KEY or, when
 * that is unset, from a key file created with mode 0600 beside the SQLite store (or in the current
 * folder for PostgreSQL). Sealed text is `v1:<iv>:<tag>:<ciphertext>`, base64url. The same key
 * derives tokens (HMAC-SHA256 of a purpose), so a token can be recomputed and is never stored.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HostwireError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';

export const KEY_FILE = 'hostwire.key';

/** Where the key file lives for a store. */
export function keyFilePath(store: Store): string {
  return store.dialect === 'sqlite' ? join(dirname(resolve(store.location)), KEY_FILE) : resolve(KEY_FILE);
}

function loadKey(store: Store, create: boolean): Buffer {
  const fromEnvironment = process.env.HOSTWIRE_SECRET_KEY;
  // Any passphrase works: it is hashed to the 256-bit key.
  if (fromEnvironment) return createHash('sha256').update(fromEnvironment).digest();
  const path = keyFilePath(store);
  if (!existsSync(path)) {
    if (!create) throw new HostwireError('validation', `no secret key: set $HOSTWIRE_SECRET_KEY or restore ${path}, the key the stored passwords were sealed with`);
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new HostwireError('validation', `${path} is not a hostwire key (32 bytes, base64)`);
  return key;
}

export function seal(store: Store, secret: string): string {
  const key = loadKey(store, true);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join(':');
}

export function unseal(store: Store, sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new HostwireError('validation', 'a stored secret is damaged; set the account password again');
  const decipher = createDecipheriv('aes-256-gcm', loadKey(store, false), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new HostwireError('validation', 'a stored password cannot be decrypted with this secret key: is $HOSTWIRE_SECRET_KEY or the key file the one it was stored with?');
  }
}

/**
 * A token for `purpose` (e.g. `pxe:<host>:<nonce>`), base64url: the same purpose and key give the
 * same token, so it is recomputed to check it. Creates the key file if there is none, like `seal`.
 */
export function deriveToken(store: Store, purpose: string): string {
  return createHmac('sha256', loadKey(store, true)).update(purpose, 'utf8').digest('base64url');
}
