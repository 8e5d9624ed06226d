/** Building blocks every page shares: status notes, utilization bars, the pager, and the copy button. */
import { useState, type ReactNode } from 'react';
import type { Paged } from './hooks.ts';

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** Used share of a subnet or wire; the colour turns as it fills. */
export function UtilizationBar({ percent, label }: { percent: number; label: string }) {
  const level = percent >= 90 ? 'full' : percent >= 70 ? 'high' : 'ok';
  return (
    <span className="bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(percent * 10) / 10} aria-label={label}>
      <span className={`bar-fill ${level}`} style={{ width: `${Math.min(percent, 100)}%` }} />
      <span className="bar-text">{percent.toFixed(1)}%</span>
    </span>
  );
}

/** A subnet's "used / capacity" and utilization bar cells, as every subnet table shows them. */
export function UtilizationCells({ subnet }: { subnet: { name: string; utilization: { used: string; capacity: string; percent: number } } }) {
  return (
    <>
      <td>
        {subnet.utilization.used} / {subnet.utilization.capacity}
      </td>
      <td>
        <UtilizationBar percent={subnet.utilization.percent} label={`${subnet.name} utilization`} />
      </td>
    </>
  );
}

/** The rows loaded so far and a button for the next page. */
export function Pager<T>({ list, noun }: { list: Paged<T>; noun: string }) {
  return (
    <div className="pager">
      <ErrorNote error={list.error} />
      <span className="muted" role="status">
        {list.loading ? `Loading ${noun}…` : `${list.items.length} ${noun}${list.more ? ' shown' : ''}`}
      </span>
      {list.more && !list.loading && (
        <button type="button" onClick={list.loadMore}>
          Load more {noun}
        </button>
      )}
    </div>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      // Without clipboard permission (plain http on another host), the text stays selectable.
      () => setCopied(false),
    );
  return (
    <button type="button" onClick={copy} aria-label={label}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export function Severity({ severity }: { severity: string }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}
