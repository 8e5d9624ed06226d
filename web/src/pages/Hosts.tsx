/** Hosts: the list, and one host's declared interfaces, its rendering per format, and its diff against imported facts. */
import { useState } from 'react';
import { enc } from '../api.ts';
import { CopyButton, ErrorNote, Field, Loading, Pager } from '../components.tsx';
import { useApi, usePaged, type Loaded } from '../hooks.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import type { Host, HostDetail, HostDiff, InterfaceSpec, Rendered, RenderFormats } from '../types.ts';

export function Hosts() {
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const list = usePaged<Host>('/api/v1/hosts', { q });
  return (
    <section>
      <h1>Hosts</h1>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Field label="Name contains">
          <input type="search" value={q} onChange={(event) => setParams({ q: event.target.value })} />
        </Field>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Platform</th>
            <th scope="col">OS family</th>
            <th scope="col">Cluster</th>
            <th scope="col">Management address</th>
            <th scope="col">Topology</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((host) => (
            <tr key={host.name}>
              <td>
                <Link to={`/hosts/${enc(host.name)}`}>{host.name}</Link>
              </td>
              <td>{host.platform}</td>
              <td>{host.osFamily}</td>
              <td>{host.cluster ?? '—'}</td>
              <td>{host.managementAddress ?? '—'}</td>
              <td>
                <Link to={`/topology?host=${enc(host.name)}`} aria-label={`Topology of ${host.name}`}>
                  Topology
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={list} noun="hosts" />
    </section>
  );
}

/** The fields of an interface beyond its kind and name, as short text. */
function details(spec: InterfaceSpec): string {
  const { kind: _kind, name: _name, ...rest } = spec;
  return Object.entries(rest)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join('; ');
}

export function HostPage({ name }: { name: string }) {
  const host = useApi<HostDetail>(`/api/v1/hosts/${enc(name)}`);
  const diff = useApi<HostDiff>(`/api/v1/hosts/${enc(name)}/diff`);
  const links = diff.data?.links ?? {};
  if (host.error) return <ErrorNote error={host.error} />;
  if (!host.data) return <Loading what={`host ${name}`} />;
  const data = host.data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/hosts">Hosts</Link> / {name}
      </p>
      <h1>{data.name}</h1>
      <p>
        {data.platform}, {data.osFamily}
        {data.cluster ? `, cluster ${data.cluster}` : ''}. <Link to={`/topology?host=${enc(name)}`}>Show the topology</Link>
      </p>
      <h2>Declared interfaces</h2>
      <table aria-label={`Declared interfaces of ${name}`}>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Link</th>
            <th scope="col">Settings</th>
          </tr>
        </thead>
        <tbody>
          {data.interfaces.map((spec) => (
            <tr key={spec.name}>
              <td>{spec.kind}</td>
              <td>{spec.name}</td>
              <td>{links[spec.name] ? <span className={`badge link-state-${links[spec.name]}`}>{links[spec.name]}</span> : <span className="muted">—</span>}</td>
              <td className="mono small">{details(spec)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <RenderView host={data} />
      <DiffView host={name} diff={diff} />
    </section>
  );
}

function RenderView({ host }: { host: HostDetail }) {
  const formats = useApi<RenderFormats>('/api/v1/render-formats');
  const [format, setFormat] = useState('');
  const rendered = useApi<Rendered>(`/api/v1/hosts/${enc(host.name)}/render${format ? `?format=${enc(format)}` : ''}`);
  const available = formats.data?.items.filter((entry) => entry.platforms.includes(host.platform)) ?? [];
  return (
    <>
      <h2>Rendered configuration</h2>
      <Field label="Format">
        <select value={format || rendered.data?.format || ''} onChange={(event) => setFormat(event.target.value)}>
          {available.map((entry) => (
            <option key={entry.format} value={entry.format}>
              {entry.format}
            </option>
          ))}
        </select>
      </Field>
      <ErrorNote error={rendered.error ?? formats.error} />
      {rendered.data?.files.map((file) => (
        <figure key={file.path} className="file">
          <figcaption>
            <code>{file.path}</code> <span className="muted">mode {file.mode.toString(8)}</span> <CopyButton text={file.content} label={`Copy ${file.path}`} />
          </figcaption>
          <pre tabIndex={0}>{file.content}</pre>
        </figure>
      ))}
    </>
  );
}

function DiffView({ host, diff }: { host: string; diff: Loaded<HostDiff> }) {
  return (
    <>
      <h2>Declared against imported facts</h2>
      <ErrorNote error={diff.error} />
      {diff.data && !diff.data.facts && <p className="muted">No facts imported yet: import them with <code>hostwire host import {host} FACTS.json --format linux-facts</code>.</p>}
      {diff.data?.facts && (
        <p className="muted">
          Facts from {diff.data.facts.source} ({diff.data.facts.format}), imported {new Date(diff.data.facts.importedAt).toLocaleString()}.
          {diff.data.differences.length === 0 && ' They match the declaration.'}
        </p>
      )}
      {diff.data && diff.data.differences.length > 0 && (
        <table aria-label={`Differences of ${host}`}>
          <thead>
            <tr>
              <th scope="col">Interface</th>
              <th scope="col">Change</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {diff.data.differences.map((difference, index) => (
              <tr key={index}>
                <td>{difference.interface}</td>
                <td>
                  <span className={`badge change-${difference.change}`}>{difference.change}</span>
                </td>
                <td>{difference.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
