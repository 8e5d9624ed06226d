/** The audit's findings, filtered by rule, severity and host, each with why it matters and its fix. */
import { useState } from 'react';
import { CopyButton, Field, Pager, Severity } from '../components.tsx';
import { usePaged } from '../hooks.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import type { Finding } from '../types.ts';

export function Findings() {
  const { params } = useLocation();
  const filter = { rule: params.get('rule') ?? '', severity: params.get('severity') ?? '', host: params.get('host') ?? '' };
  const list = usePaged<Finding>('/api/v1/findings', filter);
  const [ruleText, setRuleText] = useState(filter.rule);
  const [hostText, setHostText] = useState(filter.host);
  // The audit route may be missing on an older server: say so instead of showing a bare 404.
  const unavailable = list.error !== undefined && /no route GET/.test(list.error);
  return (
    <section>
      <h1>Findings</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setParams({ ...filter, rule: ruleText.trim(), host: hostText.trim() });
        }}
      >
        <Field label="Rule">
          <input value={ruleText} onChange={(event) => setRuleText(event.target.value)} placeholder="rule id" />
        </Field>
        <Field label="Severity">
          <select value={filter.severity} onChange={(event) => setParams({ ...filter, severity: event.target.value })}>
            <option value="">any</option>
            <option value="error">error</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </Field>
        <Field label="Host">
          <input value={hostText} onChange={(event) => setHostText(event.target.value)} />
        </Field>
        <button type="submit">Filter</button>
      </form>
      {unavailable ? (
        <p className="muted">audit unavailable: this server has no findings API.</p>
      ) : (
        <>
          <ul className="findings">
            {list.items.map((finding, index) => (
              <li key={`${finding.rule}-${index}`} className={`finding sev-${finding.severity}`}>
                <p>
                  <Severity severity={finding.severity} /> <strong>{finding.title}</strong> <span className="muted">({finding.rule})</span>
                  {finding.host && (
                    <>
                      {' '}
                      on <Link to={`/topology?host=${encodeURIComponent(finding.host)}`}>{finding.host}</Link>
                    </>
                  )}
                </p>
                <p>{finding.message}</p>
                <details>
                  <summary>Why and how to fix</summary>
                  <p>{finding.why}</p>
                  <pre tabIndex={0}>{finding.fix}</pre>
                  <CopyButton text={finding.fix} label={`Copy the fix for ${finding.message}`} />
                </details>
              </li>
            ))}
          </ul>
          <Pager list={list} noun="findings" />
        </>
      )}
    </section>
  );
}

