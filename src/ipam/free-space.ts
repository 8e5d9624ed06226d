/**
 * Taking addresses out of a subnet's free ranges and giving them back. Each step is a handful of
 * index seeks whatever the prefix size or the number of used addresses: no prefix is ever scanned.
 * Callers hold the subnet's lock (lockSubnet) for the whole transaction.
 */
import { randomBytes } from 'node:crypto';
import { addressKey, familyBits, keyValue, type Family } from '../domain/address.ts';
import * as freeSpace from '../store/free-space.ts';
import type { FreeRange } from '../store/free-space.ts';
import type { Conn } from '../store/store.ts';

export interface SubnetRef {
  id: number;
  family: Family;
}

// Ranges fetched per round trip when a bulk allocation walks several of them.
const RANGE_BATCH = 64;

const bounds = (range: FreeRange) => ({ first: keyValue(range.first_key), last: keyValue(range.last_key) });

/** Removes [from, to], which lies inside `range`, from the free space. */
async function carve(conn: Conn, subnet: SubnetRef, range: FreeRange, from: bigint, to: bigint): Promise<void> {
  const { first, last } = bounds(range);
  const key = (value: bigint) => addressKey(subnet.family, value);
  if (from === first && to === last) return freeSpace.deleteFreeRanges(conn, subnet.id, [range.first_key]);
  if (from === first) return freeSpace.replaceFreeRange(conn, subnet.id, range.first_key, { first_key: key(to + 1n), last_key: range.last_key });
  await freeSpace.replaceFreeRange(conn, subnet.id, range.first_key, { first_key: range.first_key, last_key: key(from - 1n) });
  if (to !== last) await freeSpace.insertFreeRange(conn, subnet.id, { first_key: key(to + 1n), last_key: range.last_key });
}

/** Adds whole pools to the free space of a new subnet. */
export async function addFreeRanges(conn: Conn, subnet: SubnetRef, ranges: { first: bigint; last: bigint }[]): Promise<void> {
  for (const range of ranges) {
    await freeSpace.insertFreeRange(conn, subnet.id, { first_key: addressKey(subnet.family, range.first), last_key: addressKey(subnet.family, range.last) });
  }
}

/** Takes one given address out of the free space; false when it was not free (outside the pools, or used). */
export async function takeAddress(conn: Conn, subnet: SubnetRef, value: bigint): Promise<boolean> {
  const key = addressKey(subnet.family, value);
  const range = await freeSpace.freeRangeAtOrBefore(conn, subnet.id, key);
  if (!range || range.last_key < key) return false;
  await carve(conn, subnet, range, value, value);
  return true;
}

/** The `count` lowest free addresses; fewer when fewer are free, and then every free address (the caller rolls back). */
export async function takeLowest(conn: Conn, subnet: SubnetRef, count: number): Promise<bigint[]> {
  const taken: bigint[] = [];
  while (taken.length < count) {
    const batch = await freeSpace.lowestFreeRanges(conn, subnet.id, RANGE_BATCH);
    if (!batch.length) return taken;
    const emptied: string[] = [];
    for (const range of batch) {
      const { first, last } = bounds(range);
      const wanted = BigInt(count - taken.length);
      const end = last - first + 1n <= wanted ? last : first + wanted - 1n;
      for (let value = first; value <= end; value++) taken.push(value);
      if (end === last) emptied.push(range.first_key);
      else await freeSpace.replaceFreeRange(conn, subnet.id, range.first_key, { first_key: addressKey(subnet.family, end + 1n), last_key: range.last_key });
      if (taken.length === count) break;
    }
    await freeSpace.deleteFreeRanges(conn, subnet.id, emptied);
  }
  return taken;
}

/** The `count` highest free addresses (Cloudpods' "stepdown"); fewer when fewer are free. */
export async function takeHighest(conn: Conn, subnet: SubnetRef, count: number): Promise<bigint[]> {
  const taken: bigint[] = [];
  while (taken.length < count) {
    const batch = await freeSpace.highestFreeRanges(conn, subnet.id, RANGE_BATCH);
    if (!batch.length) return taken;
    const emptied: string[] = [];
    for (const range of batch) {
      const { first, last } = bounds(range);
      const wanted = BigInt(count - taken.length);
      const start = last - first + 1n <= wanted ? first : last - wanted + 1n;
      for (let value = last; value >= start; value--) taken.push(value);
      if (start === first) emptied.push(range.first_key);
      else await freeSpace.replaceFreeRange(conn, subnet.id, range.first_key, { first_key: range.first_key, last_key: addressKey(subnet.family, start - 1n) });
      if (taken.length === count) break;
    }
    await freeSpace.deleteFreeRanges(conn, subnet.id, emptied);
  }
  return taken;
}

function randomBetween(low: bigint, high: bigint): bigint {
  const span = high - low + 1n;
  // 64 extra random bits keep the modulo bias negligible even for a /64.
  const random = BigInt(`0x${randomBytes(24).toString('hex')}`);
  return low + (random % span);
}

/**
 * `count` random free addresses; fewer when fewer are free. A random point is drawn over the
 * free space's span; a point in a gap moves to a random address of the next free range.
 */
export async function takeRandom(conn: Conn, subnet: SubnetRef, count: number): Promise<bigint[]> {
  const taken: bigint[] = [];
  while (taken.length < count) {
    const [lowest] = await freeSpace.lowestFreeRanges(conn, subnet.id, 1);
    const [highest] = await freeSpace.highestFreeRanges(conn, subnet.id, 1);
    if (!lowest || !highest) return taken;
    const point = randomBetween(keyValue(lowest.first_key), keyValue(highest.last_key));
    const pointKey = addressKey(subnet.family, point);
    const before = await freeSpace.freeRangeAtOrBefore(conn, subnet.id, pointKey);
    if (before && before.last_key >= pointKey) {
      await carve(conn, subnet, before, point, point);
      taken.push(point);
      continue;
    }
    const next = (await freeSpace.freeRangeAfter(conn, subnet.id, pointKey))!;
    const { first, last } = bounds(next);
    const value = randomBetween(first, last);
    await carve(conn, subnet, next, value, value);
    taken.push(value);
  }
  return taken;
}

/** Returns one address to the free space, merging it with the free ranges on either side. */
export async function giveBack(conn: Conn, subnet: SubnetRef, value: bigint): Promise<void> {
  const key = (v: bigint) => addressKey(subnet.family, v);
  const max = (1n << BigInt(familyBits(subnet.family))) - 1n;
  const left = value > 0n ? await freeSpace.freeRangeEndingAt(conn, subnet.id, key(value - 1n)) : undefined;
  const right = value < max ? await freeSpace.freeRangeStartingAt(conn, subnet.id, key(value + 1n)) : undefined;
  if (left && right) {
    await freeSpace.deleteFreeRanges(conn, subnet.id, [right.first_key]);
    await freeSpace.replaceFreeRange(conn, subnet.id, left.first_key, { first_key: left.first_key, last_key: right.last_key });
  } else if (left) {
    await freeSpace.replaceFreeRange(conn, subnet.id, left.first_key, { first_key: left.first_key, last_key: key(value) });
  } else if (right) {
    await freeSpace.replaceFreeRange(conn, subnet.id, right.first_key, { first_key: key(value), last_key: right.last_key });
  } else {
    await freeSpace.insertFreeRange(conn, subnet.id, { first_key: key(value), last_key: key(value) });
  }
}

/** How many addresses some free ranges hold. */
export function countFree(ranges: FreeRange[]): bigint {
  let total = 0n;
  for (const range of ranges) {
    const { first, last } = bounds(range);
    total += last - first + 1n;
  }
  return total;
}

/**
 * Recomputes a subnet's free ranges from its pools minus what is taken. It walks the used
 * addresses of each pool once: meant for the rare change of pools or gateway, not for allocation.
 */
export async function rebuildFreeRanges(conn: Conn, subnet: SubnetRef, pools: { first: bigint; last: bigint }[]): Promise<void> {
  await freeSpace.clearFreeRanges(conn, subnet.id);
  const key = (value: bigint) => addressKey(subnet.family, value);
  for (const pool of pools) {
    let next = pool.first;
    for (const taken of await freeSpace.takenKeysBetween(conn, subnet.id, key(pool.first), key(pool.last))) {
      const value = keyValue(taken);
      if (value > next) await freeSpace.insertFreeRange(conn, subnet.id, { first_key: key(next), last_key: key(value - 1n) });
      next = value + 1n;
    }
    if (next <= pool.last) await freeSpace.insertFreeRange(conn, subnet.id, { first_key: key(next), last_key: key(pool.last) });
  }
}
