/** The change log, newest first, filterable by object kind, object name and time. */
import { useState } from 'react';
import { Field, Pager } from '../components.tsx';
import { usePaged } from '../hooks.ts';
import { setParams, useLocation } from '../router.tsx';
import type { Change } from '../types.ts';

const KINDS = ['wire', 'subnet', 'address', 'host', 'vm', 'account', 'space', 'token'];

export function Changes() {
  const { params } = useLocation();
  const filter = { kind: params.get('kind') ?? '', object: params.get('object') ?? '', since: params.get('since') ?? '' };
  const [objectText, setObjectText] = useState(filter.object);
  const list = usePaged<Change>('/api/v1/changes', { ...filter, since: filter.since ? new Date(filter.since).toISOString() : '' });
  return (
    <section>
      <h1>Changes</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setParams({ ...filter, object: objectText.trim() });
        }}
      >
        <Field label="Object kind">
          <select value={filter.kind} onChange={(event) => setParams({ ...filter, kind: event.target.value })}>
            <option value="">any</option>
            {KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Object name">
          <input value={objectText} onChange={(event) => setObjectText(event.target.value)} />
        </Field>
        <Field label="Since">
          <input type="datetime-local" value={filter.since} onChange={(event) => setParams({ ...filter, since: event.target.value })} />
        </Field>
        <button type="submit">Filter</button>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Object</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((change) => (
            <tr key={change.id}>
              <td>{new Date(change.at).toLocaleString()}</td>
              <td>{change.actor}</td>
              <td>{change.action}</td>
              <td>
                {change.objectKind} {change.objectName}
              </td>
              <td>
                <details>
                  <summary>before / after</summary>
                  <pre tabIndex={0}>{JSON.stringify({ before: change.before, after: change.after }, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={list} noun="changes" />
    </section>
  );
}
