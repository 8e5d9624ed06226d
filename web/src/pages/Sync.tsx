/**
 * vCenter accounts with their last sync, and syncs started from the UI. A sync request answers when
 * the sync ends, so meanwhile the account is polled to show the sync the server is running.
 */
import { useEffect, useState } from 'react';
import { api, enc } from '../api.ts';
import { ErrorNote, Loading } from '../components.tsx';
import { useApi } from '../hooks.ts';
import { useMay } from '../session.tsx';
import type { Account, SyncSummary } from '../types.ts';

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

/** A button that syncs `account`, with the running sync's progress and its summary. */
export function SyncButton({ account, onDone }: { account: string; onDone?: () => void }) {
  const [running, setRunning] = useState<{ since: number; status: string } | null>(null);
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<string>();
  const [, tick] = useState(0);

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      tick((value) => value + 1);
      api<Account>(`/api/v1/accounts/${enc(account)}`).then(
        (current) => current.lastSync && setRunning((state) => state && { ...state, status: current.lastSync!.status }),
        () => undefined,
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running !== null, account]);

  const start = async () => {
    setRunning({ since: Date.now(), status: 'starting' });
    setResult(undefined);
    setError(undefined);
    try {
      setResult(describe(await api<SyncSummary>(`/api/v1/accounts/${enc(account)}/sync`, { method: 'POST' })));
      onDone?.();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setRunning(null);
    }
  };

  return (
    <span className="sync">
      <button type="button" onClick={start} disabled={running !== null}>
        Sync {account} now
      </button>
      {running && (
        <span role="status">
          <progress aria-label={`sync of ${account}`} /> {running.status}, {Math.round((Date.now() - running.since) / 1000)} s
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
