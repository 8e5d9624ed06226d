/**
 * One sync of an account: connect, read a snapshot, reconcile it in one transaction, and record
 * the run (running -> succeeded, partial or failed, with its summary or error). A failure before
 * or during reconciliation leaves the store as it was; the error says what went wrong.
 */
import { VimClient } from '../connectors/vsphere/client.ts';
import { readSnapshot, type ReadProgress } from '../connectors/vsphere/inventory.ts';
import { accountCredentials } from '../services/accounts.ts';
import { finishSync, insertSync } from '../store/accounts.ts';
import { makeContext, type Context } from '../store/context.ts';
import { reconcileVsphere, type SyncSummary } from './vsphere.ts';

export type SyncPhase = 'connecting' | 'fetching' | 'reconciling' | 'finishing';

/** Where a running sync is: `done` hosts and VMs reconciled out of the snapshot's `total` (null until it is read). */
export interface SyncProgress {
  syncId: number;
  phase: SyncPhase;
  done: number;
  total: number | null;
}

export const SYNC_PHASES: readonly SyncPhase[] = ['connecting', 'fetching', 'reconciling', 'finishing'];

export interface SyncOptions {
  /** Steps of the vCenter read (the CLI's progress lines). */
  progress?: ReadProgress;
  /** Called at each phase change and during reconciliation (every 50 objects and at the end); it must not throw. */
  onProgress?: (progress: SyncProgress) => void;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

export interface SyncResult extends SyncSummary {
  syncId: number;
  status: 'succeeded' | 'partial';
  fetchMs: number;
  reconcileMs: number;
}

export async function runSync(context: Context, accountName: string, options: SyncOptions = {}): Promise<SyncResult> {
  const credentials = await accountCredentials(context, accountName);
  const syncId = await context.store.write((tx) => insertSync(tx, credentials.id, context.now().toISOString()));
  const finish = (status: string, summary: unknown, error: string | null) =>
    context.store.write((tx) => finishSync(tx, syncId, { finished_at: context.now().toISOString(), status, summary_json: summary === null ? null : JSON.stringify(summary), error }));
  const report = (phase: SyncPhase, done: number, total: number | null) => {
    try {
      options.onProgress?.({ syncId, phase, done, total });
    } catch {
      // A progress listener never breaks a sync.
    }
  };
  try {
    report('connecting', 0, null);
    const client = new VimClient({
      url: credentials.url,
      username: credentials.username,
      password: credentials.password,
      tls: credentials.tls,
      connectTimeoutMs: options.connectTimeoutMs,
      readTimeoutMs: options.readTimeoutMs,
    });
    const fetchStart = performance.now();
    await client.connect();
    report('fetching', 0, null);
    const snapshot = await readSnapshot(client, options.progress).finally(() => client.logout().catch(() => undefined));
    snapshot.source.url = credentials.url;
    const reconcileStart = performance.now();
    // Every write of the sync is logged with this actor.
    const syncContext = makeContext(context.store, `sync:${accountName}`, context.now);
    const summary = await reconcileVsphere(syncContext, accountName, snapshot, (done, total) => report('reconciling', done, total));
    report('finishing', snapshot.hosts.length + snapshot.vms.length, snapshot.hosts.length + snapshot.vms.length);
    const result: SyncResult = { ...summary, syncId, status: snapshot.complete ? 'succeeded' : 'partial', fetchMs: Math.round(reconcileStart - fetchStart), reconcileMs: Math.round(performance.now() - reconcileStart) };
    await finish(result.status, result, null);
    return result;
  } catch (error) {
    await finish('failed', null, error instanceof Error ? error.message : String(error));
    throw error;
  }
}
