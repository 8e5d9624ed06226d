/**
 * `npm run bench:sync`: what a vCenter sync costs on a large estate, against the cost of only
 * fetching what it needs. govmomi's simulator (test/vcsim) serves a generated estate (default 500
 * hosts x 10 VMs = 5,000 VMs, one NIC and one guest IP each); in this one process, side by side:
 *
 *   fetch only       a fresh VimClient: connect + readSnapshot (the same properties a sync reads)
 *   first sync       runSync into an empty SQLite store in a temporary folder (fetchMs + reconcileMs)
 *   no-change sync   runSync again on that store: must write no change-log entry (checked)
 *
 * One warm-up fetch (not counted) runs first, so that neither series pays for JIT warm-up alone.
 * Then BENCH_SYNC_ROUNDS rounds of: fetch only, first sync into a new store, no-change sync on it
 * (the store is then deleted); figures are medians. "x fetch" is a phase's time over the fetch-only
 * median: for the first sync, the overhead of reconciling on top of reading. Peak RSS is
 * process.resourceUsage().maxRSS (a high-water mark of the whole process) after the phase's last
 * run; "RSS now" is process.memoryUsage().rss at that moment.
 *
 * Environment: BENCH_SYNC_HOSTS (default 500), BENCH_SYNC_VMS_PER_HOST (default 10),
 * BENCH_SYNC_ROUNDS (default 3).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { VimClient } from '../src/connectors/vsphere/client.ts';
import { readSnapshot } from '../src/connectors/vsphere/inventory.ts';
import { runSync, type SyncResult } from '../src/reconcile/sync.ts';
import { addAccount } from '../src/services/accounts.ts';
import { listChanges } from '../src/services/changes.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { buildVcsim, startVcsim, type Vcsim } from '../test/vcsim/harness.ts';

const HOSTS = Number(process.env.BENCH_SYNC_HOSTS ?? 500);
const VMS_PER_HOST = Number(process.env.BENCH_SYNC_VMS_PER_HOST ?? 10);
const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS ?? 3);
const VMS = HOSTS * VMS_PER_HOST;

for (const [name, value, min] of [['BENCH_SYNC_HOSTS', HOSTS, 1], ['BENCH_SYNC_VMS_PER_HOST', VMS_PER_HOST, 0], ['BENCH_SYNC_ROUNDS', ROUNDS, 1]] as const) {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, not '${process.env[name]}'`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const mib = () => ({ peak: process.resourceUsage().maxRSS / 1024, now: process.memoryUsage().rss / 2 ** 20 });
const log = (line: string) => process.stderr.write(`[sync] ${line}\n`);

/** What the client alone costs: connect, read the snapshot, log out. */
async function fetchOnly(sim: Vcsim): Promise<number> {
  const start = performance.now();
  const client = new VimClient({ url: sim.url, username: sim.username, password: sim.password, tls: { ca: sim.certPem } });
  await client.connect();
  const snapshot = await readSnapshot(client).finally(() => client.logout().catch(() => undefined));
  const ms = performance.now() - start;
  assert.equal(snapshot.hosts.length, HOSTS, 'hosts in the snapshot');
  assert.equal(snapshot.vms.length, VMS, 'VMs in the snapshot');
  assert.ok(snapshot.complete, `snapshot gaps: ${snapshot.gaps.slice(0, 3).join('; ')}`);
  return ms;
}

interface StoreHandle {
  dir: string;
  store: Store;
  context: Context;
}

async function freshStore(sim: Vcsim): Promise<StoreHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sync-bench-'));
  const store = await openStore(join(dir, 'sync.db'));
  const context = makeContext(store, 'bench');
  await addAccount(context, { kind: 'vsphere', name: 'vc', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
  return { dir, store, context };
}

async function dispose(handle: StoreHandle): Promise<void> {
  await handle.store.close();
  rmSync(handle.dir, { recursive: true, force: true });
}

async function timedSync(context: Context): Promise<{ ms: number; result: SyncResult }> {
  const start = performance.now();
  const result = await runSync(context, 'vc');
  const ms = performance.now() - start;
  assert.equal(result.status, 'succeeded');
  assert.deepEqual(result.errors, []);
  return { ms, result };
}

interface Row {
  phase: string;
  total: number;
  fetch?: number;
  reconcile?: number;
  peak: number;
  now: number;
}

process.env.HOSTWIRE_SECRET_KEY ??= 'sync-bench-key';

let buildMs = performance.now();
await buildVcsim();
buildMs = performance.now() - buildMs;
log(`starting the simulator with ${HOSTS} hosts x ${VMS_PER_HOST} VMs...`);
let startMs = performance.now();
const sim = await startVcsim({ generate: { hosts: HOSTS, vmsPerHost: VMS_PER_HOST, cluster: 'bulk' } }, { tls: true, startTimeoutMs: 900_000 });
startMs = performance.now() - startMs;
const handles: StoreHandle[] = [];
try {
  const rows: Row[] = [];
  const started = mib();
  log(`simulator up in ${(startMs / 1000).toFixed(1)} s; warm-up fetch...`);
  const warmUp = await fetchOnly(sim);
  const afterWarmUp = mib();

  const fetches: number[] = [];
  const syncs: { ms: number; result: SyncResult }[] = [];
  const unchanged: { ms: number; result: SyncResult }[] = [];
  const memory = { fetch: mib(), sync: mib(), unchanged: mib() };
  let firstSyncChanges = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round}/${ROUNDS}: fetch only...`);
    fetches.push(await fetchOnly(sim));
    memory.fetch = mib();
    const handle = await freshStore(sim);
    handles.push(handle);
    const { context } = handle;
    const before = (await listChanges(context)).length;
    log(`round ${round}/${ROUNDS}: first sync into an empty store...`);
    syncs.push(await timedSync(context));
    memory.sync = mib();
    const afterFirst = (await listChanges(context)).length;
    firstSyncChanges = afterFirst - before;
    log(`round ${round}/${ROUNDS}: no-change sync...`);
    const again = await timedSync(context);
    memory.unchanged = mib();
    assert.deepEqual(again.result.counts, {}, 'a no-change sync counts nothing');
    assert.equal((await listChanges(context)).length, afterFirst, 'a no-change sync writes no change-log entry');
    unchanged.push(again);
    await dispose(handles.pop()!);
  }
  const fetchMedian = median(fetches);
  const syncRow = (phase: string, runs: { ms: number; result: SyncResult }[], mem: { peak: number; now: number }): Row => ({
    phase,
    total: median(runs.map((run) => run.ms)),
    fetch: median(runs.map((run) => run.result.fetchMs)),
    reconcile: median(runs.map((run) => run.result.reconcileMs)),
    ...mem,
  });
  rows.push({ phase: 'fetch only (connect + readSnapshot)', total: fetchMedian, ...memory.fetch });
  rows.push(syncRow('first sync (empty store)', syncs, memory.sync));
  rows.push(syncRow('no-change sync (0 changes, checked)', unchanged, memory.unchanged));

  const first = syncs.at(-1)!.result;
  const ms = (value: number | undefined) => (value === undefined ? '-' : Math.round(value).toLocaleString('en'));
  const lines = [
    `vCenter sync of a generated estate: ${HOSTS.toLocaleString('en')} hosts, ${VMS.toLocaleString('en')} VMs (govmomi simulator over HTTPS, SQLite store, one process)`,
    `simulator: ${buildMs < 1000 ? 'binary cached' : `built in ${(buildMs / 1000).toFixed(1)} s`}, estate up in ${(startMs / 1000).toFixed(1)} s; one warm-up fetch (${ms(warmUp)} ms), then medians of ${ROUNDS} interleaved rounds`,
    '',
    `${'phase'.padEnd(38)}${'total ms'.padStart(10)}${'fetch ms'.padStart(10)}${'reconcile ms'.padStart(14)}${'x fetch'.padStart(9)}${'peak RSS MiB'.padStart(14)}${'RSS now'.padStart(9)}`,
    ...rows.map(
      (row) =>
        `${row.phase.padEnd(38)}${ms(row.total).padStart(10)}${ms(row.fetch).padStart(10)}${ms(row.reconcile).padStart(14)}${`${(row.total / fetchMedian).toFixed(2)}x`.padStart(9)}${row.peak.toFixed(0).padStart(14)}${row.now.toFixed(0).padStart(9)}`,
    ),
    '',
    `reconcile overhead: first sync / fetch only = ${(rows[1]!.total / fetchMedian).toFixed(2)}x; reconcile is ${((100 * rows[1]!.reconcile!) / rows[1]!.total).toFixed(0)}% of the first sync, ${(rows[1]!.reconcile! / (VMS + HOSTS)).toFixed(2)} ms per host or VM`,
    `first sync wrote ${firstSyncChanges.toLocaleString('en')} change-log entries (${Object.entries(first.counts).map(([kind, count]) => `${kind} +${count.created}/~${count.updated}`).join(', ')}), ${first.syncIps.toLocaleString('en')} VM IPs in sync_ips; every no-change sync wrote 0 (counts {})`,
    `peak RSS before syncing: ${started.peak.toFixed(0)} MiB with the simulator up, ${afterWarmUp.peak.toFixed(0)} MiB after the warm-up fetch; fetch-only runs: ${fetches.map((value) => ms(value)).join(' / ')} ms; first syncs: ${syncs.map((sync) => ms(sync.ms)).join(' / ')} ms; no-change syncs: ${unchanged.map((sync) => ms(sync.ms)).join(' / ')} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const handle of handles) await dispose(handle);
  await sim.stop();
}
