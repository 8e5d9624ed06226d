/** Subnets: creation with every invariant of the address plan checked, listing, utilization, deletion. */
import {
  addressKey,
  formatRange,
  parseAddress,
  parsePrefix,
  parseRange,
  prefixContains,
  rangesOverlap,
  rangeSize,
  specialRole,
  usableRange,
  type AddressRange,
  type Prefix,
} from '../domain/address.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { conflict, HostwireError, invalid, notFound } from '../domain/errors.ts';
import { ALLOCATION_POLICIES, DEFAULT_SPACE, type AllocationPolicy, type Subnet, type Utilization } from '../domain/model.ts';
import { Checks, checkDomainName, checkInteger, checkLimit, checkName, checkOneOf, checkVlan } from '../domain/validate.ts';
import { countAddressesByState, deleteAddress, findAddress, insertAddresses } from '../store/addresses.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import { countHolds, freeRangesOf } from '../store/free-space.ts';
import * as subnets from '../store/subnets.ts';
import type { Conn } from '../store/store.ts';
import { findWire } from '../store/wires.ts';
import { addFreeRanges, countFree, rebuildFreeRanges, takeAddress } from './free-space.ts';
import { describeHolder, toSubnet } from './records.ts';

export interface SubnetInput {
  name: string;
  wire: string;
  cidr: string;
  space?: string;
  vlan?: number | string;
  gateway?: string | null;
  dns?: string[];
  domain?: string | null;
  /** `START-END` ranges; default: every usable address of the subnet. */
  pools?: string[];
  policy?: string;
  holdDownSeconds?: number | string;
}

/** Seven days: longer than any ARP or DNS cache a released address could linger in. */
const MAX_HOLD_DOWN = 7 * 24 * 3600;

interface CheckedSubnet {
  name: string;
  wire: string;
  space: string;
  prefix: Prefix;
  vlan: number;
  gateway: string | null;
  gatewayValue: bigint | null;
  dns: string[];
  domain: string | null;
  pools: AddressRange[];
  policy: AllocationPolicy;
  holdDownSeconds: number;
}

function checkPools(checks: Checks, prefix: Prefix, inputs: string[] | undefined): AddressRange[] {
  const usable = usableRange(prefix);
  if (!inputs || inputs.length === 0) return usable ? [usable] : [];
  const pools: AddressRange[] = [];
  inputs.forEach((input, index) => {
    const field = `pools.${index}`;
    const pool = checks.check(() => parseRange(input, field));
    if (!pool) return;
    const text = formatRange(pool);
    if (pool.family !== prefix.family) return checks.fail(field, `${text} is IPv${pool.family} but the subnet ${prefix.text} is IPv${prefix.family}`);
    if (!usable || pool.first < usable.first || pool.last > usable.last) {
      const inside = pool.first >= prefix.network && pool.last <= prefix.last;
      const role = inside ? (specialRole(prefix, pool.first) ?? specialRole(prefix, pool.last)) : null;
      const reason = role ? `includes the ${role}` : `is outside the subnet ${prefix.text}`;
      return checks.fail(field, `pool ${text} ${reason}; pools must lie within ${usable ? formatRange(usable) : 'the usable addresses'}`);
    }
    const other = pools.findIndex((existing) => rangesOverlap(existing, pool));
    if (other >= 0) return checks.fail(field, `pool ${text} overlaps pool ${formatRange(pools[other]!)}; pools may not share addresses`);
    pools.push(pool);
  });
  return pools;
}

function checkSubnetInput(input: SubnetInput): CheckedSubnet {
  const checks = new Checks();
  const name = checks.check(() => checkName('name', input.name));
  const wire = checks.check(() => checkName('wire', input.wire));
  const space = checks.check(() => checkName('space', input.space ?? DEFAULT_SPACE));
  const prefix = checks.check(() => parsePrefix(input.cidr, 'cidr'));
  const vlan = checks.check(() => checkVlan('vlan', input.vlan ?? 0));
  const policy = checks.check(() => checkOneOf('policy', input.policy ?? 'lowest', ALLOCATION_POLICIES));
  const holdDownSeconds = checks.check(() => checkInteger('holdDownSeconds', input.holdDownSeconds ?? 0, 0, MAX_HOLD_DOWN, 'a number of seconds'));
  const domain = input.domain ? checks.check(() => checkDomainName('domain', input.domain)) : null;
  const dns = (input.dns ?? []).map((server, index) => checks.check(() => parseAddress(server, `dns.${index}`).text));

  let gateway: string | null = null;
  let gatewayValue: bigint | null = null;
  if (input.gateway && prefix) {
    const parsed = checks.check(() => parseAddress(input.gateway!, 'gateway'));
    if (parsed && !prefixContains(prefix, parsed)) checks.fail('gateway', `${parsed.text} is outside the subnet ${prefix.text}; give an address inside it`);
    else if (parsed && specialRole(prefix, parsed.value)) checks.fail('gateway', `${parsed.text} is the ${specialRole(prefix, parsed.value)} of ${prefix.text}; a gateway must be a host address`);
    else if (parsed) ({ text: gateway, value: gatewayValue } = parsed);
  }
  const pools = prefix ? checkPools(checks, prefix, input.pools) : [];
  checks.done();
  return { name: name!, wire: wire!, space: space!, prefix: prefix!, vlan: vlan!, gateway, gatewayValue, dns: dns as string[], domain: domain ?? null, pools, policy: policy!, holdDownSeconds: holdDownSeconds! };
}

/** The columns a subnet update may change, as checked. */
function settableColumns(checked: CheckedSubnet) {
  return {
    vlan: checked.vlan,
    gateway: checked.gateway,
    dns_json: JSON.stringify(checked.dns),
    domain: checked.domain,
    policy: checked.policy,
    hold_down_seconds: checked.holdDownSeconds,
  };
}

/** The gateway's address record: reserved, owned by `gateway`. */
async function insertGatewayRecord(tx: Conn, where: { spaceId: number; subnetId: number; family: 4 | 6 }, checked: CheckedSubnet, at: string): Promise<void> {
  await insertAddresses(tx, [
    {
      space_id: where.spaceId,
      subnet_id: where.subnetId,
      key: addressKey(where.family, checked.gatewayValue!),
      address: checked.gateway!,
      state: 'reserved',
      owner_kind: 'gateway',
      owner_id: null,
      note: `gateway of ${checked.name}`,
      created_at: at,
      updated_at: at,
    },
  ]);
}

export async function createSubnet(context: Context, input: SubnetInput): Promise<Subnet> {
  const checked = checkSubnetInput(input);
  const { prefix } = checked;
  return context.store.write(async (tx) => {
    const wire = await findWire(tx, checked.wire);
    if (!wire) throw new HostwireError('validation', `wire: wire '${checked.wire}' does not exist; create it first with 'hostwire wire create ${checked.wire}'`, [{ path: 'wire', message: 'no such wire' }]);
    const space = await subnets.findSpace(tx, checked.space);
    if (!space) throw invalid('space', `IP space '${checked.space}' does not exist`);
    if (await subnets.findSubnet(tx, checked.name)) throw conflict(`name: a subnet named '${checked.name}' already exists`, 'name');
    await subnets.lockSpace(tx, space.id);
    const firstKey = addressKey(prefix.family, prefix.network);
    const lastKey = addressKey(prefix.family, prefix.last);
    const [overlapping] = await subnets.findOverlappingSubnets(tx, space.id, firstKey, lastKey);
    if (overlapping) {
      throw conflict(`cidr: ${prefix.text} overlaps subnet '${overlapping.name}' (${overlapping.cidr}) in IP space '${space.name}'; subnets of one space may not overlap`, 'cidr');
    }
    const at = context.now().toISOString();
    const row = await subnets.insertSubnet(tx, {
      name: checked.name,
      space_id: space.id,
      wire_id: wire.id,
      cidr: prefix.text,
      family: prefix.family,
      prefix_length: prefix.length,
      first_key: firstKey,
      last_key: lastKey,
      ...settableColumns(checked),
      created_at: at,
      updated_at: at,
    });
    const poolKeys = checked.pools.map((pool) => ({ first_key: addressKey(prefix.family, pool.first), last_key: addressKey(prefix.family, pool.last) }));
    await subnets.insertPools(tx, row.id, poolKeys);
    const ref = { id: row.id, family: prefix.family };
    await addFreeRanges(tx, ref, checked.pools);
    if (checked.gatewayValue !== null) {
      await takeAddress(tx, ref, checked.gatewayValue);
      await insertGatewayRecord(tx, { spaceId: space.id, subnetId: row.id, family: prefix.family }, checked, at);
    }
    const subnet = toSubnet({ ...row, wire_name: wire.name, space_name: space.name }, poolKeys);
    await insertChanges(tx, [changeEntry(context, 'subnet', subnet, 'create', null, subnet)]);
    return subnet;
  });
}

/** What a subnet update may change: everything but its name, CIDR and IP space. `gateway: null` removes the gateway. */
export type SubnetChanges = Partial<Omit<SubnetInput, 'name' | 'cidr' | 'space'>>;

/**
 * Changes a subnet. A new gateway is reserved (refused if someone holds it) and the old one freed.
 * New pools are rebuilt around what is taken; an address left outside them stays allocated, like
 * one allocated by name outside the pools.
 */
export async function updateSubnet(context: Context, name: string, changes: SubnetChanges): Promise<Subnet> {
  return context.store.write(async (tx) => {
    const row = await requireSubnet(tx, name);
    await subnets.lockSubnet(tx, row.id);
    const before = await loadSubnet(tx, row);
    const checked = checkSubnetInput({
      name: before.name,
      cidr: before.cidr,
      space: before.space,
      wire: changes.wire ?? before.wire,
      vlan: changes.vlan ?? before.vlan,
      gateway: changes.gateway !== undefined ? changes.gateway : before.gateway,
      dns: changes.dns ?? before.dns,
      domain: changes.domain !== undefined ? changes.domain : before.domain,
      pools: changes.pools ?? before.pools.map((pool) => `${pool.first}-${pool.last}`),
      policy: changes.policy ?? before.policy,
      holdDownSeconds: changes.holdDownSeconds ?? before.holdDownSeconds,
    });
    const wire = await findWire(tx, checked.wire);
    if (!wire) throw invalid('wire', `wire '${checked.wire}' does not exist`);
    const { prefix } = checked;
    const ref = { id: row.id, family: prefix.family };
    const at = context.now().toISOString();

    const gatewayChanged = checked.gateway !== before.gateway;
    if (gatewayChanged && before.gateway) {
      const old = parseAddress(before.gateway);
      const record = await findAddress(tx, row.space_id, addressKey(old.family, old.value));
      if (record?.owner_kind === 'gateway') await deleteAddress(tx, record.id);
    }
    if (gatewayChanged && checked.gatewayValue !== null) {
      const key = addressKey(prefix.family, checked.gatewayValue);
      const holder = await findAddress(tx, row.space_id, key);
      if (holder) throw conflict(`gateway: ${checked.gateway} is already ${describeHolder(holder)}; release it first`, 'gateway');
      await insertGatewayRecord(tx, { spaceId: row.space_id, subnetId: row.id, family: prefix.family }, checked, at);
    }
    const poolKeys = checked.pools.map((pool) => ({ first_key: addressKey(prefix.family, pool.first), last_key: addressKey(prefix.family, pool.last) }));
    const poolsChanged = canonicalJson(poolKeys) !== canonicalJson((await subnets.listPools(tx, [row.id])).get(row.id));
    if (poolsChanged || gatewayChanged) {
      await subnets.deletePools(tx, row.id);
      await subnets.insertPools(tx, row.id, poolKeys);
      await rebuildFreeRanges(tx, ref, checked.pools);
    }
    await subnets.updateSubnet(tx, row.id, { wire_id: wire.id, ...settableColumns(checked), updated_at: at });
    const after = await loadSubnet(tx, (await subnets.findSubnetById(tx, row.id))!);
    if (canonicalJson({ ...after, updatedAt: '' }) === canonicalJson({ ...before, updatedAt: '' })) return before;
    await insertChanges(tx, [changeEntry(context, 'subnet', after, 'update', before, after)]);
    return after;
  });
}

export async function requireSubnet(conn: Conn, name: string): Promise<subnets.SubnetWithNames> {
  const row = await subnets.findSubnet(conn, name);
  if (!row) throw notFound('subnet', name);
  return row;
}

export async function loadSubnet(conn: Conn, row: subnets.SubnetWithNames): Promise<Subnet> {
  return toSubnet(row, (await subnets.listPools(conn, [row.id])).get(row.id)!);
}

export interface SubnetSummary extends Subnet {
  utilization: Utilization;
  addressesByState: Record<string, number>;
}

/**
 * Subnets with their pools, utilization and address counts, in four grouped queries whatever the
 * number of subnets. Capacity is the usable addresses; used, the address records; free, what
 * allocation can still hand out (expired holds count as free: the next allocation reclaims them).
 */
export async function summarizeSubnets(conn: Conn, rows: subnets.SubnetWithNames[], now: Date): Promise<SubnetSummary[]> {
  const ids = rows.map((row) => row.id);
  const [pools, byState, holds, free] = [
    await subnets.listPools(conn, ids),
    await countAddressesByState(conn, ids),
    await countHolds(conn, ids, now.toISOString()),
    await freeRangesOf(conn, ids),
  ];
  return rows.map((row) => {
    const usable = usableRange(parsePrefix(row.cidr));
    const capacity = usable ? rangeSize(usable) : 0n;
    const states = byState.get(row.id)!;
    const used = BigInt(Object.values(states).reduce((sum, n) => sum + n, 0));
    const held = holds.get(row.id)!;
    const freeCount = countFree(free.get(row.id)!) + BigInt(held.expired);
    const utilization = { capacity: String(capacity), used: String(used), free: String(freeCount), held: String(held.active), percent: percentOf(used, capacity) };
    return { ...toSubnet(row, pools.get(row.id)!), utilization, addressesByState: states };
  });
}

export function percentOf(used: bigint, capacity: bigint): number {
  if (capacity === 0n) return 0;
  return Number((used * 10000n) / capacity) / 100;
}

export async function listSubnets(context: Context, filter: { wire?: string; vlan?: number | string; q?: string; limit?: number | string; after?: string } = {}): Promise<SubnetSummary[]> {
  return context.store.read(async (conn) => {
    let wireId: number | undefined;
    if (filter.wire !== undefined) {
      const wire = await findWire(conn, filter.wire);
      if (!wire) return [];
      wireId = wire.id;
    }
    const vlan = filter.vlan === undefined ? undefined : checkVlan('vlan', filter.vlan);
    const limit = filter.limit === undefined ? undefined : checkLimit(filter.limit);
    return summarizeSubnets(conn, await subnets.listSubnets(conn, { wireId, vlan, q: filter.q, limit, afterName: filter.after }), context.now());
  });
}

export async function showSubnet(context: Context, name: string): Promise<SubnetSummary> {
  return context.store.read(async (conn) => (await summarizeSubnets(conn, [await requireSubnet(conn, name)], context.now()))[0]!);
}

/** Deletes a subnet with its reserved addresses; refused while any address is allocated or discovered in use. */
export async function deleteSubnet(context: Context, name: string): Promise<Subnet> {
  return context.store.write(async (tx) => {
    const row = await requireSubnet(tx, name);
    await subnets.lockSubnet(tx, row.id);
    const byState = (await countAddressesByState(tx, [row.id])).get(row.id)!;
    const inUse = (byState.allocated ?? 0) + (byState.discovered ?? 0);
    if (inUse > 0) {
      const parts = [`${byState.allocated ?? 0} allocated`, ...(byState.discovered ? [`${byState.discovered} discovered`] : [])];
      throw conflict(`subnet '${name}' still has ${inUse} address${inUse === 1 ? '' : 'es'} in use (${parts.join(', ')}); release them first ('hostwire ip list --subnet ${name}')`);
    }
    const subnet = await loadSubnet(tx, row);
    await subnets.deleteSubnetCascade(tx, row.id);
    await insertChanges(tx, [changeEntry(context, 'subnet', subnet, 'delete', subnet, null)]);
    return subnet;
  });
}
