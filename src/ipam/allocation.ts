/**
 * Allocation, reservation and release. Each call is one transaction holding one subnet's lock, so
 * callers in many processes get distinct addresses and a failed call writes nothing. The unique
 * index on (space, address) is the last word on duplicates.
 */
import { addressKey, formatAddress, keyValue, parseAddress, parsePrefix, prefixContains, specialRole, type IpAddress } from '../domain/address.ts';
import { conflict, invalid, notFound } from '../domain/errors.ts';
import { ADDRESS_STATES, DEFAULT_SPACE, OWNER_KINDS, type AddressRecord, type AddressState, type OwnerKind } from '../domain/model.ts';
import { checkInteger, checkLimit, checkName, checkOneOf, Checks } from '../domain/validate.ts';
import { deleteAddress, findAddress, insertAddresses, listAddresses as listAddressRows, type AddressWithNames } from '../store/addresses.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import { findHold, insertHold, takeExpiredHolds } from '../store/free-space.ts';
import { findSpace, findSubnetContaining, lockSubnet, poolContaining, type SubnetWithNames } from '../store/subnets.ts';
import { isUniqueViolation, type Conn } from '../store/store.ts';
import { giveBack, takeAddress, takeHighest, takeLowest, takeRandom, type SubnetRef } from './free-space.ts';
import { describeHolder, toAddressRecord } from './records.ts';
import { requireSubnet } from './subnets.ts';

/** One request may take at most this many addresses: more is a bulk import, not an allocation. */
export const MAX_BULK = 65_536;

export interface Owner {
  kind: OwnerKind;
  id: string | null;
}

/**
 * Reads an owner as a user writes it: `KIND:ID` for a known kind (`vnic:vm-42/00:50:56:01:02:03`,
 * `pxe-host:esx07`), anything else is a manual owner with that text.
 */
export function parseOwner(text: string | undefined, field = 'owner'): Owner {
  if (text === undefined || text === '') return { kind: 'manual', id: null };
  if (text.length > 200) throw invalid(field, 'is longer than 200 characters');
  const colon = text.indexOf(':');
  const kind = colon > 0 ? text.slice(0, colon) : text;
  if ((OWNER_KINDS as readonly string[]).includes(kind)) return { kind: kind as OwnerKind, id: colon > 0 ? text.slice(colon + 1) : null };
  return { kind: 'manual', id: text };
}

export interface AllocateInput {
  subnet: string;
  /** How many addresses (default 1); ignored when `address` is given. */
  count?: number | string;
  /** A specific address to take. */
  address?: string;
  owner?: Owner;
  note?: string;
  /** `allocated` (default), or `discovered` for addresses a sync observed in use. */
  state?: Extract<AddressState, 'allocated' | 'discovered'>;
}

function checkNote(note: string | undefined): string {
  if (note !== undefined && note.length > 500) throw invalid('note', 'is longer than 500 characters');
  return note ?? '';
}

/** Moves addresses whose hold-down ended back into the free ranges. */
async function reclaimExpiredHolds(conn: Conn, subnet: SubnetRef, now: Date): Promise<void> {
  for (const key of await takeExpiredHolds(conn, subnet.id, now.toISOString(), 10_000)) await giveBack(conn, subnet, keyValue(key));
}

/** Checks that one address may be taken in the subnet, and takes it out of the free space if it was there. */
async function claimSpecific(conn: Conn, row: SubnetWithNames, ref: SubnetRef, address: IpAddress, field: string): Promise<void> {
  const prefix = parsePrefix(row.cidr);
  if (!prefixContains(prefix, address)) throw invalid(field, `${address.text} is outside subnet '${row.name}' (${row.cidr})`);
  const role = specialRole(prefix, address.value);
  if (role) throw invalid(field, `${address.text} is the ${role} of ${row.cidr} and is never assigned`);
  const key = addressKey(address.family, address.value);
  const existing = await findAddress(conn, row.space_id, key);
  if (existing) throw conflict(`${field}: ${address.text} is already ${describeHolder(existing)}`, field);
  const hold = await findHold(conn, row.id, key);
  if (hold) throw conflict(`${field}: ${address.text} was released recently and is held until ${hold.until} (hold-down of subnet '${row.name}': ${row.hold_down_seconds} s)`, field);
  // An address outside the pools may still be taken by name; it simply was never in the free space.
  await takeAddress(conn, ref, address.value);
}

async function insertRecords(context: Context, tx: Conn, row: SubnetWithNames, values: bigint[], state: AddressState, owner: Owner, note: string): Promise<AddressRecord[]> {
  const at = context.now().toISOString();
  const family = row.family as 4 | 6;
  let inserted;
  try {
    inserted = await insertAddresses(
      tx,
      values.map((value) => {
        const key = addressKey(family, value);
        return { space_id: row.space_id, subnet_id: row.id, key, address: formatAddress(family, value), state, owner_kind: owner.kind, owner_id: owner.id, note, created_at: at, updated_at: at };
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`an address in subnet '${row.name}' was taken by another writer at the same moment; retry`);
    throw error;
  }
  const records = inserted.map((record) => toAddressRecord({ ...record, subnet_name: row.name, space_name: row.space_name }));
  const action = state === 'reserved' ? 'reserve' : 'allocate';
  await insertChanges(tx, records.map((record) => changeEntry(context, 'address', { id: record.id, name: record.address }, action, null, record)));
  return records;
}

/** Runs `work` in a transaction holding the subnet's lock, after reclaiming its expired holds. */
async function inLockedSubnet<T>(context: Context, subnetName: string, work: (tx: Conn, row: SubnetWithNames, ref: SubnetRef) => Promise<T>): Promise<T> {
  return context.store.write(async (tx) => {
    const row = await requireSubnet(tx, subnetName);
    await lockSubnet(tx, row.id);
    const ref: SubnetRef = { id: row.id, family: row.family as 4 | 6 };
    await reclaimExpiredHolds(tx, ref, context.now());
    return work(tx, row, ref);
  });
}

export async function allocate(context: Context, input: AllocateInput): Promise<AddressRecord[]> {
  const checks = new Checks();
  const subnetName = checks.check(() => checkName('subnet', input.subnet));
  const count = input.address === undefined ? checks.check(() => checkInteger('count', input.count ?? 1, 1, MAX_BULK, 'a count')) : 1;
  const address = input.address === undefined ? undefined : checks.check(() => parseAddress(input.address!, 'address'));
  const note = checks.check(() => checkNote(input.note));
  checks.done();
  const owner = input.owner ?? { kind: 'manual', id: null };
  const state = input.state ?? 'allocated';

  return inLockedSubnet(context, subnetName!, async (tx, row, ref) => {
    if (address) {
      await claimSpecific(tx, row, ref, address, 'address');
      return insertRecords(context, tx, row, [address.value], state, owner, note!);
    }
    const take = row.policy === 'highest' ? takeHighest : row.policy === 'random' ? takeRandom : takeLowest;
    const values = await take(tx, ref, count!);
    if (values.length < count!) {
      // Short means every free address was taken: that is the free count. Throwing rolls it all back.
      throw conflict(`count: asked for ${count} address${count === 1 ? '' : 'es'} but subnet '${row.name}' has only ${values.length} free; nothing was allocated`, 'count');
    }
    return insertRecords(context, tx, row, values, state, owner, note!);
  });
}

export interface ReserveInput {
  /** Default: the subnet of the default IP space that contains the address. */
  subnet?: string;
  address: string;
  note?: string;
}

/** Reserves one address (not handed out by allocation), with a note saying why. */
export async function reserve(context: Context, input: ReserveInput): Promise<AddressRecord> {
  const checks = new Checks();
  const address = checks.check(() => parseAddress(input.address, 'address'));
  const named = input.subnet === undefined ? undefined : checks.check(() => checkName('subnet', input.subnet));
  const note = checks.check(() => checkNote(input.note));
  checks.done();
  const subnetName = named ?? (await containingSubnetName(context, address!));
  return inLockedSubnet(context, subnetName, async (tx, row, ref) => {
    await claimSpecific(tx, row, ref, address!, 'address');
    const [record] = await insertRecords(context, tx, row, [address!.value], 'reserved', { kind: 'manual', id: null }, note!);
    return record!;
  });
}

async function containingSubnetName(context: Context, address: IpAddress): Promise<string> {
  const row = await context.store.read(async (conn) => {
    const space = (await findSpace(conn, DEFAULT_SPACE))!;
    return findSubnetContaining(conn, space.id, addressKey(address.family, address.value));
  });
  if (!row) throw invalid('address', `no subnet of IP space '${DEFAULT_SPACE}' contains ${address.text}; name the subnet, or create one that contains it`);
  return row.name;
}

/** One address record. */
export async function showAddress(context: Context, input: { address: string; space?: string }): Promise<AddressRecord> {
  const address = parseAddress(input.address, 'address');
  const spaceName = checkName('space', input.space ?? DEFAULT_SPACE);
  return context.store.read(async (conn) => {
    const space = await findSpace(conn, spaceName);
    if (!space) throw invalid('space', `IP space '${spaceName}' does not exist`);
    const record = await findAddress(conn, space.id, addressKey(address.family, address.value));
    if (!record) throw notFound('address', address.text);
    return toAddressRecord(record);
  });
}

export interface ReleaseInput {
  address: string;
  space?: string;
  /** The PXE host releasing its own address (`pxe host remove`); nobody else may release it. */
  pxeHost?: string;
}

/** Releases an address. Inside a pool it returns to the free space, after the subnet's hold-down. */
export async function release(context: Context, input: ReleaseInput): Promise<AddressRecord> {
  const address = parseAddress(input.address, 'address');
  const spaceName = checkName('space', input.space ?? DEFAULT_SPACE);
  return context.store.write(async (tx) => {
    const space = await findSpace(tx, spaceName);
    if (!space) throw invalid('space', `IP space '${spaceName}' does not exist`);
    const key = addressKey(address.family, address.value);
    const existing = await findAddress(tx, space.id, key);
    if (!existing) throw notFound('address', address.text);
    if (existing.owner_kind === 'gateway') {
      throw conflict(`address: ${address.text} is the gateway of subnet '${existing.subnet_name}'; change the subnet's gateway instead of releasing it`, 'address');
    }
    // A PXE host's address is in its rendered DHCP and kickstart: released alone, it would be handed out while the install still uses it.
    if (existing.owner_kind === 'pxe-host' && existing.owner_id !== input.pxeHost) {
      throw conflict(`address: ${address.text} is held by PXE host '${existing.owner_id}'; remove the host instead (hostwire pxe host remove ${existing.owner_id}), which releases it`, 'address');
    }
    const row = await requireSubnet(tx, existing.subnet_name);
    await lockSubnet(tx, row.id);
    const ref: SubnetRef = { id: row.id, family: row.family as 4 | 6 };
    await deleteAddress(tx, existing.id);
    if (await poolContaining(tx, row.id, key)) {
      if (row.hold_down_seconds > 0) await insertHold(tx, row.id, key, new Date(context.now().getTime() + row.hold_down_seconds * 1000).toISOString());
      else await giveBack(tx, ref, address.value);
    }
    const record = toAddressRecord(existing);
    await insertChanges(tx, [changeEntry(context, 'address', { id: record.id, name: record.address }, 'release', record, null)]);
    return record;
  });
}

export interface AddressQuery {
  subnet?: string;
  state?: string;
  limit?: number | string;
  /** Keyset cursor: the address after which to continue (within the listing's order). */
  after?: { subnet: string; address: string };
}

/** Address records, ordered by subnet name and address. */
export async function listAddresses(context: Context, query: AddressQuery = {}): Promise<AddressRecord[]> {
  const limit = query.limit === undefined ? undefined : checkLimit(query.limit);
  const state = query.state === undefined ? undefined : checkOneOf('state', query.state, ADDRESS_STATES);
  return context.store.read(async (conn) => {
    let subnetId: number | undefined;
    if (query.subnet !== undefined) subnetId = (await requireSubnet(conn, query.subnet)).id;
    let after: { subnetName: string; key: string } | undefined;
    if (query.after) {
      const address = parseAddress(query.after.address, 'after');
      after = { subnetName: query.after.subnet, key: addressKey(address.family, address.value) };
    }
    return (await listAddressRows(conn, { subnetId, state, limit, after })).map(toAddressRecord);
  });
}
