/**
 * Key/value tags on any object. The VMware sync keeps a VM's IPs that no subnet owns in `sync_ips`;
 * admins tag what they like. Objects are named as users know them: wires, subnets and hosts by
 * name, VMs by UUID, addresses by address (default IP space).
 */
import { addressKey, parseAddress } from '../domain/address.ts';
import { notFound } from '../domain/errors.ts';
import type { ObjectKind } from '../domain/model.ts';
import { Checks, checkName, checkOneOf, checkUuid } from '../domain/validate.ts';
import { findAddress } from '../store/addresses.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import * as inventory from '../store/inventory.ts';
import type { Conn } from '../store/store.ts';
import { findSpace, findSubnet } from '../store/subnets.ts';
import { findWire } from '../store/wires.ts';

export const TAGGABLE_KINDS = ['wire', 'subnet', 'host', 'vm', 'address'] as const satisfies readonly ObjectKind[];
export type TaggableKind = (typeof TAGGABLE_KINDS)[number];

const KEY = /^[A-Za-z][A-Za-z0-9_.:-]{0,62}$/;
const MAX_VALUE = 65_536;

export interface ObjectRef {
  kind: TaggableKind;
  /** Name, VM UUID or address, as the kind wants. */
  name: string;
}

async function resolveObject(conn: Conn, ref: ObjectRef): Promise<{ id: number; name: string }> {
  const kind = checkOneOf('kind', ref.kind, TAGGABLE_KINDS);
  let id: number | undefined;
  let name = ref.name;
  if (kind === 'wire') id = (await findWire(conn, checkName('name', ref.name)))?.id;
  if (kind === 'subnet') id = (await findSubnet(conn, checkName('name', ref.name)))?.id;
  if (kind === 'host') id = (await inventory.findHost(conn, checkName('name', ref.name)))?.id;
  if (kind === 'vm') {
    name = checkUuid('name', ref.name);
    id = (await inventory.findVm(conn, name))?.id;
  }
  if (kind === 'address') {
    const address = parseAddress(ref.name, 'name');
    const space = (await findSpace(conn, 'default'))!;
    name = address.text;
    id = (await findAddress(conn, space.id, addressKey(address.family, address.value)))?.id;
  }
  if (id === undefined) throw notFound(kind, ref.name);
  return { id, name };
}

function checkTag(key: string, value?: string) {
  const checks = new Checks();
  if (typeof key !== 'string' || !KEY.test(key)) checks.fail('key', `'${key}' is not a tag key: use a letter then up to 62 letters, digits, '_', '.', ':' or '-'`);
  if (value !== undefined && (typeof value !== 'string' || value.length > MAX_VALUE)) checks.fail('value', `must be text of at most ${MAX_VALUE} characters`);
  checks.done();
}

export async function setTag(context: Context, ref: ObjectRef, key: string, value: string): Promise<void> {
  checkTag(key, value);
  await context.store.write(async (tx) => {
    const object = await resolveObject(tx, ref);
    const current = await inventory.findTag(tx, ref.kind, object.id, key);
    if (current?.value === value) return;
    await inventory.upsertTag(tx, ref.kind, object.id, key, value);
    await insertChanges(tx, [changeEntry(context, ref.kind, object, 'update', current ? { tag: key, value: current.value } : null, { tag: key, value })]);
  });
}

export async function deleteTag(context: Context, ref: ObjectRef, key: string): Promise<void> {
  checkTag(key);
  await context.store.write(async (tx) => {
    const object = await resolveObject(tx, ref);
    const current = await inventory.findTag(tx, ref.kind, object.id, key);
    if (!current) throw notFound(`tag '${key}' of ${ref.kind}`, object.name);
    await inventory.deleteTag(tx, ref.kind, object.id, key);
    await insertChanges(tx, [changeEntry(context, ref.kind, object, 'update', { tag: key, value: current.value }, null)]);
  });
}

export async function listTags(context: Context, ref: ObjectRef): Promise<Record<string, string>> {
  return context.store.read(async (conn) => {
    const object = await resolveObject(conn, ref);
    return Object.fromEntries((await inventory.listTags(conn, ref.kind, object.id)).map((tag) => [tag.key, tag.value]));
  });
}
