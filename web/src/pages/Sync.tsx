/**
 * vCenter accounts with their last sync, and syncs started from the UI: the server starts the sync
 * in the background and the UI follows it by id, with its phase and the hosts and VMs reconciled
 * so far, then its summary or its error.
 */
import { useEffect, useState } from 'react';
import { ApiError, api, enc } from '../api.ts';
import { ErrorNote, Loading } from '../components.tsx';
import { useApi } from '../hooks.ts';
import { useMay } from '../session.tsx';
import type { Account, SyncProgress, SyncRun, SyncStarted, SyncSummary } from '../types.ts';

type LastSync = NonNullable<Account['lastSync']>;

const POLL_MS = 1000;

function describe(summary: SyncSummary): string {
  const changed = Object.entries(summary.counts)
    .map(([kind, count]) => `${kind} +${count.created} ~${count.updated} −${count.removed}`)
    .join(', ');
  return `${summary.status}${summary.complete ? '' : ' (partial: nothing removed)'}; ${changed || 'no changes'}; ${summary.syncIps} IPs without a subnet`;
}

function lastSyncText(sync: LastSync | null): string {
  if (!sync) return 'never synced';
  const when = sync.finishedAt ?? sync.startedAt;
  const summary = sync.summary as SyncSummary | null;
  return `${sync.status} at ${new Date(when).toLocaleString()}${sync.error ? `: ${sync.error}` : summary && typeof summary === 'object' && 'counts' in summary ? `: ${describe(summary)}` : ''}`;
}

const PHASES: Record<SyncProgress['phase'], string> = {
  connecting: 'connecting to vCenter',
  fetching: 'reading the inventory',
  reconciling: 'reconciling hosts and VMs',
  finishing: 'recording the sync',
};

function progressText(progress: SyncProgress | null): string {
  if (!progress) return 'starting';
  return `${PHASES[progress.phase]}${progress.total !== null ? `: ${progress.done} of ${progress.total}` : ''}`;
}

/** A button that syncs `account` in the background, with the sync's progress and then its summary. */
export function SyncButton({ account, onDone }: { account: string; onDone?: () => void }) {
  const [running, setRunning] = useState<{ id: number; since: number; progress: SyncProgress | null } | null>(null);
  const [starting, setStarting] = useState(false);
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<string>();
  const syncId = running?.id ?? null;

  useEffect(() => {
    if (syncId === null) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const sync = await api<SyncRun>(`/api/v1/syncs/${syncId}`);
        if (cancelled) return;
        if (sync.status === 'running') {
          setRunning((state) => (state && state.id === syncId ? { ...state, progress: sync.progress } : state));
        } else {
          setRunning(null);
          if (sync.status === 'failed') setError(`sync failed: ${sync.error ?? 'no reason recorded'}`);
          else if (sync.summary) setResult(describe(sync.summary));
          else setResult(sync.status);
          onDone?.();
          return;
        }
      } catch (failure) {
        if (cancelled) return;
        if (failure instanceof ApiError && failure.status < 500) {
          setRunning(null);
          setError((failure as Error).message);
          return;
        }
        // A transient failure (the server restarting, a proxy): keep polling.
      }
      timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS / 4);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [syncId]);

  const start = async () => {
    setStarting(true);
    setResult(undefined);
    setError(undefined);
    try {
      const started = await api<SyncStarted>(`/api/v1/accounts/${enc(account)}/syncs`, { method: 'POST' });
      setRunning({ id: started.syncId, since: Date.now(), progress: null });
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setStarting(false);
    }
  };

  const progress = running?.progress ?? null;
  const label = `Sync of ${account}`;
  return (
    <span className="sync">
      <button type="button" onClick={start} disabled={running !== null || starting}>
        Sync {account} now
      </button>
      {(running || starting) && (
        <span role="status">
          <label>
            {label}: {progressText(progress)}
            {running && `, ${Math.round((Date.now() - running.since) / 1000)} s`}{' '}
            {progress && progress.total !== null ? <progress value={progress.done} max={Math.max(progress.total, 1)} /> : <progress />}
          </label>
        </span>
      )}
      {result && <span role="status">{result}</span>}
      <ErrorNote error={error} />
    </span>
  );
}

export function Accounts() {
  const accounts = useApi<{ items: Account[] }>('/api/v1/accounts');
  const mayOperate = useMay('operator');
  if (accounts.error) return <ErrorNote error={accounts.error} />;
  if (!accounts.data) return <Loading what="accounts" />;
  if (!accounts.data.items.length) return <p className="muted">No vCenter account yet: an admin adds one with hostwire account add.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">vCenter</th>
          <th scope="col">Last sync</th>
          {mayOperate && <th scope="col">Sync</th>}
        </tr>
      </thead>
      <tbody>
        {accounts.data.items.map((account) => (
          <tr key={account.name}>
            <td>{account.name}</td>
            <td>{account.url}</td>
            <td className={account.lastSync?.status === 'failed' ? 'bad' : undefined}>{lastSyncText(account.lastSync)}</td>
            {mayOperate && (
              <td>
                <SyncButton account={account.name} onDone={accounts.reload} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
