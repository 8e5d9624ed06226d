/**
 * Syncs started in the background (the API's 202 route): one at a time per account, with their
 * progress kept in memory in this process while they run and for a while after they end. What a
 * sync did (status, summary, error) is in the syncs table; only the progress lives here.
 */
import { conflict } from '../domain/errors.ts';
import type { Context } from '../store/context.ts';
import { runSync, type SyncOptions, type SyncProgress } from './sync.ts';

/** How long the progress of an ended sync stays readable. */
export const KEEP_ENDED_MS = 5 * 60_000;

export class SyncRuns {
  private readonly progress = new Map<number, SyncProgress>();
  private readonly running = new Set<string>();

  constructor(private readonly keepMs = KEEP_ENDED_MS) {}

  /**
   * Starts a sync of `account` and resolves with its id as soon as the sync is recorded; a failure
   * before that (no such account) rejects, a second start while one runs is a conflict.
   */
  start(context: Context, account: string, options: Omit<SyncOptions, 'onProgress'> = {}): Promise<number> {
    if (this.running.has(account)) return Promise.reject(conflict(`account '${account}' is already syncing; wait for that sync to end`, 'name'));
    this.running.add(account);
    return new Promise<number>((resolve, reject) => {
      let syncId: number | null = null;
      runSync(context, account, {
        ...options,
        onProgress: (progress) => {
          this.progress.set(progress.syncId, { ...progress });
          if (syncId === null) {
            syncId = progress.syncId;
            resolve(syncId);
          }
        },
      })
        .catch((error: unknown) => {
          // Recorded as failed in the syncs table once the sync has an id; before that, the caller hears it.
          if (syncId === null) reject(error);
        })
        .finally(() => {
          this.running.delete(account);
          if (syncId !== null) {
            const id = syncId;
            setTimeout(() => this.progress.delete(id), this.keepMs).unref();
          }
        });
    });
  }

  /** The last progress heard of a sync this process started, while it is kept. */
  progressOf(syncId: number): Omit<SyncProgress, 'syncId'> | null {
    const progress = this.progress.get(syncId);
    return progress ? { phase: progress.phase, done: progress.done, total: progress.total } : null;
  }

  isRunning(account: string): boolean {
    return this.running.has(account);
  }
}
