/**
 * `npm run bench`: what one allocation costs in an empty /16 and in a /16 with 60,000 addresses
 * used (fragmented by 1,200 released holes), for the engine and for a naive first-free scanner,
 * side by side in one process; then persisted single-process throughput. On SQLite and on a real
 * PostgreSQL server. Figures are medians over interleaved rounds; what matters is the ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { allocate, release } from '../src/ipam/allocation.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { naiveAllocate } from './naive-allocator.ts';

const USED = 60_000;
const HOLE_EVERY = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ENGINE_BATCH = 40;
const NAIVE_BATCH = 4;
const THROUGHPUT_SINGLE = 1_000;
const THROUGHPUT_BULK = 5 * 1_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Mean milliseconds per call of `once`, over `count` calls. */
async function timePerCall(count: number, once: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await once();
  return (performance.now() - start) / count;
}

async function fill(context: Context, subnet: string): Promise<void> {
  const records = await allocate(context, { subnet, count: USED, note: 'bench fill' });
  for (let i = 0; i < records.length; i += HOLE_EVERY) await release(context, { address: records[i]!.address });
}

interface DialectResult {
  dialect: string;
  engine: { empty: number; full: number };
  naive: { empty: number; full: number };
  singlePerSecond: number;
  bulkPerSecond: number;
}

async function measure(dialect: string, location: string): Promise<DialectResult> {
  const store = await openStore(location);
  const context = makeContext(store, 'bench');
  try {
    await createWire(context, { name: 'bench' });
    const subnets = { engineEmpty: '10.0.0.0/16', engineFull: '10.1.0.0/16', naiveEmpty: '10.2.0.0/16', naiveFull: '10.3.0.0/16', single: '10.4.0.0/16', bulk: '10.5.0.0/16' };
    for (const [name, cidr] of Object.entries(subnets)) await createSubnet(context, { name, wire: 'bench', cidr, gateway: cidr.replace('0.0/16', '0.1') });
    process.stderr.write(`[${dialect}] filling two /16s with ${USED} addresses and ${Math.ceil(USED / HOLE_EVERY)} holes...\n`);
    await fill(context, 'engineFull');
    await fill(context, 'naiveFull');

    const samples = { engineEmpty: [] as number[], engineFull: [] as number[], naiveEmpty: [] as number[], naiveFull: [] as number[] };
    // Round 0 warms caches and JIT and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      if (round === 0) {
        await timePerCall(ENGINE_BATCH, () => allocate(context, { subnet: 'engineEmpty' }));
        await timePerCall(ENGINE_BATCH, () => allocate(context, { subnet: 'engineFull' }));
        continue;
      }
      // Interleaved, so that machine noise hits every series alike.
      samples.engineEmpty.push(await timePerCall(ENGINE_BATCH, () => allocate(context, { subnet: 'engineEmpty' })));
      samples.engineFull.push(await timePerCall(ENGINE_BATCH, () => allocate(context, { subnet: 'engineFull' })));
      samples.naiveEmpty.push(await timePerCall(NAIVE_BATCH, () => naiveAllocate(context, 'naiveEmpty')));
      samples.naiveFull.push(await timePerCall(NAIVE_BATCH, () => naiveAllocate(context, 'naiveFull')));
      process.stderr.write(`[${dialect}] round ${round}/${ROUNDS}\n`);
    }

    const singleMs = await timePerCall(THROUGHPUT_SINGLE, () => allocate(context, { subnet: 'single' }));
    const bulkStart = performance.now();
    for (let done = 0; done < THROUGHPUT_BULK; done += 1_000) await allocate(context, { subnet: 'bulk', count: 1_000 });
    const bulkSeconds = (performance.now() - bulkStart) / 1000;

    return {
      dialect,
      engine: { empty: median(samples.engineEmpty), full: median(samples.engineFull) },
      naive: { empty: median(samples.naiveEmpty), full: median(samples.naiveFull) },
      singlePerSecond: 1000 / singleMs,
      bulkPerSecond: THROUGHPUT_BULK / bulkSeconds,
    };
  } finally {
    await store.close();
  }
}

function report(results: DialectResult[]): void {
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const lines = [
    `Allocation cost: empty /16 vs /16 with ${USED.toLocaleString('en')} used (medians of ${ROUNDS} interleaved rounds)`,
    '',
    `${'store'.padEnd(12)}${'allocator'.padEnd(26)}${'empty'.padStart(12)}${'60k used'.padStart(12)}${'ratio'.padStart(10)}`,
  ];
  for (const result of results) {
    for (const [label, series] of [['engine (free ranges)', result.engine], ['naive (first-free scan)', result.naive]] as const) {
      lines.push(`${result.dialect.padEnd(12)}${label.padEnd(26)}${ms(series.empty).padStart(12)}${ms(series.full).padStart(12)}${(series.full / series.empty).toFixed(2).padStart(10)}`);
    }
  }
  lines.push('', 'Throughput, one process, every allocation committed:', '');
  for (const result of results) {
    lines.push(`${result.dialect.padEnd(12)}single allocations ${result.singlePerSecond.toFixed(0).padStart(7)}/s    bulk (1000 per call) ${result.bulkPerSecond.toFixed(0).padStart(7)} addresses/s`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'hostwire-bench-'));
const server = await startPostgres();
try {
  const results = [await measure('sqlite', join(dir, 'bench.db')), await measure('postgres', await server.createDatabase('bench'))];
  report(results);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
