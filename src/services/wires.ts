/** Wires: L2 broadcast domains, declared by an admin or created by a sync. */
import { conflict, notFound } from '../domain/errors.ts';
import { WIRE_ORIGINS, type Utilization, type Wire, type WireOrigin } from '../domain/model.ts';
import { Checks, checkLimit, checkMtu, checkName, checkOneOf } from '../domain/validate.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import type { Conn } from '../store/store.ts';
import type { WireRow } from '../store/schema.ts';
import { countSubnetsOfWire, listSubnets as listSubnetRows } from '../store/subnets.ts';
import * as wires from '../store/wires.ts';
import { percentOf, summarizeSubnets } from '../ipam/subnets.ts';

export interface WireInput {
  name: string;
  description?: string;
  mtu?: number | string;
  origin?: WireOrigin;
  sourceAccount?: string | null;
}

export function toWire(row: WireRow): Wire {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    mtu: row.mtu,
    origin: row.origin as WireOrigin,
    sourceAccount: row.source_account,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createWire(context: Context, input: WireInput): Promise<Wire> {
  const checks = new Checks();
  const name = checks.check(() => checkName('name', input.name));
  const mtu = checks.check(() => checkMtu('mtu', input.mtu ?? 1500));
  const origin = checks.check(() => checkOneOf('origin', input.origin ?? 'declared', WIRE_ORIGINS));
  const description = input.description ?? '';
  if (description.length > 500) checks.fail('description', 'is longer than 500 characters');
  checks.done();
  return context.store.write(async (tx) => {
    if (await wires.findWire(tx, name!)) throw conflict(`name: a wire named '${name}' already exists`, 'name');
    const at = context.now().toISOString();
    const wire = toWire(await wires.insertWire(tx, { name: name!, description, mtu: mtu!, origin: origin!, source_account: input.sourceAccount ?? null, created_at: at, updated_at: at }));
    await insertChanges(tx, [changeEntry(context, 'wire', wire, 'create', null, wire)]);
    return wire;
  });
}

export interface WireSummary extends Wire {
  subnets: number;
  utilization: Utilization;
}

async function summarize(conn: Conn, row: WireRow, now: Date): Promise<WireSummary> {
  const subnetRows = await listSubnetRows(conn, { wireId: row.id });
  const totals = { capacity: 0n, used: 0n, free: 0n, held: 0n };
  for (const { utilization } of await summarizeSubnets(conn, subnetRows, now)) {
    for (const field of ['capacity', 'used', 'free', 'held'] as const) totals[field] += BigInt(utilization[field]);
  }
  const utilization: Utilization = {
    capacity: String(totals.capacity),
    used: String(totals.used),
    free: String(totals.free),
    held: String(totals.held),
    percent: percentOf(totals.used, totals.capacity),
  };
  return { ...toWire(row), subnets: subnetRows.length, utilization };
}

export async function listWires(context: Context, filter: { q?: string; limit?: number | string; after?: string } = {}): Promise<WireSummary[]> {
  return context.store.read(async (conn) => {
    const limit = filter.limit === undefined ? undefined : checkLimit(filter.limit);
    const rows = await wires.listWires(conn, { q: filter.q, limit, afterName: filter.after });
    const result: WireSummary[] = [];
    for (const row of rows) result.push(await summarize(conn, row, context.now()));
    return result;
  });
}

export async function showWire(context: Context, name: string): Promise<WireSummary> {
  return context.store.read(async (conn) => {
    const row = await wires.findWire(conn, name);
    if (!row) throw notFound('wire', name);
    return summarize(conn, row, context.now());
  });
}

export async function updateWire(context: Context, name: string, changes: { mtu?: number | string; description?: string }): Promise<Wire> {
  const checks = new Checks();
  const mtu = changes.mtu === undefined ? undefined : checks.check(() => checkMtu('mtu', changes.mtu));
  if (changes.description !== undefined && changes.description.length > 500) checks.fail('description', 'is longer than 500 characters');
  checks.done();
  return context.store.write(async (tx) => {
    const row = await wires.findWire(tx, name);
    if (!row) throw notFound('wire', name);
    const before = toWire(row);
    if ((mtu === undefined || mtu === row.mtu) && (changes.description === undefined || changes.description === row.description)) return before;
    const after = toWire(await wires.updateWire(tx, row.id, { mtu: mtu ?? row.mtu, description: changes.description ?? row.description, updated_at: context.now().toISOString() }));
    await insertChanges(tx, [changeEntry(context, 'wire', after, 'update', before, after)]);
    return after;
  });
}

export async function deleteWire(context: Context, name: string): Promise<Wire> {
  return context.store.write(async (tx) => {
    const row = await wires.findWire(tx, name);
    if (!row) throw notFound('wire', name);
    const subnets = await countSubnetsOfWire(tx, row.id);
    if (subnets > 0) throw conflict(`wire '${name}' still carries ${subnets} subnet${subnets === 1 ? '' : 's'}; delete or move them first ('hostwire subnet list --wire ${name}')`);
    const wire = toWire(row);
    await wires.deleteWire(tx, row.id);
    await insertChanges(tx, [changeEntry(context, 'wire', wire, 'delete', wire, null)]);
    return wire;
  });
}
