/**
 * Topology per host (or the hosts of one wire): physical NICs → bonds → VLAN interfaces →
 * switches and bridges → port groups (VLAN, wire, subnet) → vmks and VMs, coloured by findings.
 * Hosts start collapsed and the search narrows them, so a wire of 50 hosts stays readable.
 * Failing an uplink asks the simulator what fails over where and what loses connectivity.
 */
import { Background, Controls, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { interfaceParents } from '../../../src/domain/interfaces.ts';
import { api, ApiError, enc, fetchAll } from '../api.ts';
import { ErrorNote, Field, Loading, Pager, Severity } from '../components.tsx';
import { usePaged } from '../hooks.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import type { FailoverEntry, Finding, Host, HostDetail, InterfaceSpec, Portgroup, Vm } from '../types.ts';

const COLUMN: Record<InterfaceSpec['kind'] | 'vm', number> = { physical: 0, bond: 1, vlan: 2, bridge: 3, vswitch: 3, dvswitch: 3, portgroup: 4, vmk: 5, vm: 5 };
const COLUMN_WIDTH = 230;
const ROW_HEIGHT = 64;
const SEVERITY_RANK = ['info', 'warning', 'error'];

interface HostNetwork {
  host: HostDetail;
  portgroups: Portgroup[];
  vms: Vm[];
  /** Null when the server has no audit. */
  findings: Finding[] | null;
}

async function loadHostNetwork(name: string): Promise<HostNetwork> {
  const [host, portgroups, vms, findings] = await Promise.all([
    api<HostDetail>(`/api/v1/hosts/${enc(name)}`),
    fetchAll<Portgroup>('/api/v1/port-groups', { host: name }),
    fetchAll<Vm>('/api/v1/vms', { host: name }),
    fetchAll<Finding>('/api/v1/findings', { host: name }).catch((failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 404) return null;
      throw failure;
    }),
  ]);
  return { host, portgroups, vms, findings };
}

function subtitle(spec: InterfaceSpec, portgroup: Portgroup | undefined): string {
  switch (spec.kind) {
    case 'physical':
      return [spec.speedMbps ? `${spec.speedMbps} Mb/s` : '', spec.mac ?? ''].filter(Boolean).join(' · ');
    case 'bond':
      return `bond ${spec.mode}`;
    case 'vlan':
      return `VLAN ${spec.vlan}`;
    case 'portgroup':
      return `VLAN ${spec.vlan} · ${portgroup?.wire ?? 'no wire'} · ${portgroup?.subnet ?? 'no subnet'}`;
    case 'vmk':
      return spec.addresses?.join(', ') ?? '';
    case 'bridge':
      return `${spec.flavor === 'ovs' ? 'OVS bridge' : 'bridge'}${spec.addresses?.length ? ` · ${spec.addresses.join(', ')}` : ''}`;
    default:
      return spec.kind;
  }
}

/** What the failure simulation did to each object: its link went down, it failed over, or it lost connectivity. */
type SimEffect = 'down' | 'failover' | 'lost';

function buildGraph(network: HostNetwork, search: string, effects: Map<string, SimEffect>): { nodes: Node[]; edges: Edge[]; height: number } {
  const rows = new Map<number, number>();
  const place = (column: number) => {
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { x: column * COLUMN_WIDTH, y: row * ROW_HEIGHT };
  };
  const worst = new Map<string, string>();
  for (const finding of network.findings ?? []) {
    for (const object of finding.objects) {
      const known = worst.get(object);
      if (!known || SEVERITY_RANK.indexOf(finding.severity) > SEVERITY_RANK.indexOf(known)) worst.set(object, finding.severity);
    }
  }
  const needle = search.trim().toLowerCase();
  const classes = (name: string, kind: string) =>
    [`topo-node`, `kind-${kind}`, worst.has(name) ? `finding-${worst.get(name)}` : '', effects.has(name) ? `sim-${effects.get(name)}` : '', needle && name.toLowerCase().includes(needle) ? 'match' : ''].filter(Boolean).join(' ');
  const label = (name: string, detail: string) => (
    <span className="topo-label">
      <strong>{name}</strong>
      {detail && <span>{detail}</span>}
    </span>
  );

  const nodes: Node[] = network.host.interfaces.map((spec) => ({
    id: spec.name,
    position: place(COLUMN[spec.kind]),
    data: { label: label(spec.name, subtitle(spec, network.portgroups.find((pg) => pg.name === spec.name))) },
    className: classes(spec.name, spec.kind),
    ariaLabel: `${spec.kind} ${spec.name}`,
  }));
  const edges: Edge[] = network.host.interfaces.flatMap((spec) =>
    interfaceParents(spec).map((parent) => ({ id: `${parent.name}->${spec.name}`, source: parent.name, target: spec.name, className: effects.get(parent.name) === 'down' ? 'edge-down' : undefined })),
  );
  const names = new Set(network.host.interfaces.map((spec) => spec.name));
  for (const vm of network.vms) {
    nodes.push({ id: `vm:${vm.uuid}`, position: place(COLUMN.vm), data: { label: label(vm.name, vm.nics.flatMap((nic) => nic.ips.map((ip) => ip.address)).join(', ')) }, className: classes(vm.name, 'vm'), ariaLabel: `VM ${vm.name}` });
    for (const nic of vm.nics) if (nic.portgroup && names.has(nic.portgroup)) edges.push({ id: `${nic.portgroup}->${vm.uuid}/${nic.mac}`, source: nic.portgroup, target: `vm:${vm.uuid}` });
  }
  for (const node of nodes) Object.assign(node, { sourcePosition: 'right', targetPosition: 'left' });
  return { nodes, edges, height: Math.max(...rows.values(), 2) * ROW_HEIGHT + 40 };
}

function effectsOf(failed: string, entries: FailoverEntry[]): Map<string, SimEffect> {
  const effects = new Map<string, SimEffect>([[failed, 'down']]);
  for (const entry of entries) effects.set(entry.object, entry.connected ? 'failover' : 'lost');
  return effects;
}

function HostGraph({ name, search }: { name: string; search: string }) {
  const [network, setNetwork] = useState<HostNetwork>();
  const [error, setError] = useState<string>();
  const [sim, setSim] = useState<{ link: string; entries: FailoverEntry[] }>();
  const [simError, setSimError] = useState<string>();
  useEffect(() => {
    loadHostNetwork(name).then(setNetwork, (failure: Error) => setError(failure.message));
  }, [name]);

  const fail = (link: string) => {
    setSimError(undefined);
    api<FailoverEntry[]>(`/api/v1/hosts/${enc(name)}/sim/fail?links=${enc(link)}`).then(
      (entries) => setSim({ link, entries }),
      (failure: Error) => setSimError(failure.message),
    );
  };

  if (error) return <ErrorNote error={error} />;
  if (!network) return <Loading what={`the network of ${name}`} />;
  const uplinks = network.host.interfaces.filter((spec) => spec.kind === 'physical');
  const graph = buildGraph(network, search, sim ? effectsOf(sim.link, sim.entries) : new Map());
  return (
    <div className="host-graph">
      <div className="graph" style={{ height: graph.height }} aria-label={`Topology of ${name}`} role="group">
        <ReactFlow
          nodes={graph.nodes}
          edges={graph.edges}
          fitView
          nodesDraggable={false}
          nodesConnectable={false}
          zoomOnScroll={false}
          preventScrolling={false}
          onNodeClick={(_event, node) => uplinks.some((spec) => spec.name === node.id) && fail(node.id)}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <div className="uplinks" role="group" aria-label={`Simulate an uplink failure on ${name}`}>
        <span>Fail an uplink:</span>
        {uplinks.map((spec) => (
          <button key={spec.name} type="button" aria-pressed={sim?.link === spec.name} onClick={() => fail(spec.name)}>
            {spec.name}
          </button>
        ))}
        {sim && (
          <button type="button" onClick={() => setSim(undefined)}>
            Clear
          </button>
        )}
      </div>
      <ErrorNote error={simError} />
      {sim && <SimTable link={sim.link} entries={sim.entries} />}
      {network.findings && network.findings.length > 0 && (
        <ul className="plain small">
          {network.findings.map((finding, index) => (
            <li key={index}>
              <Severity severity={finding.severity} /> {finding.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SimTable({ link, entries }: { link: string; entries: FailoverEntry[] }) {
  if (!entries.length) return <p role="status">If {link} goes down, nothing is affected.</p>;
  return (
    <table aria-label={`If ${link} goes down`}>
      <caption>If {link} goes down</caption>
      <thead>
        <tr>
          <th scope="col">Object</th>
          <th scope="col">Uplink before → after</th>
          <th scope="col">Connectivity</th>
          <th scope="col">Detected after</th>
          <th scope="col">Recovery</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={`${entry.kind}:${entry.object}`} className={entry.connected ? undefined : 'bad'}>
            <td>
              {entry.kind} {entry.object}
            </td>
            <td>
              {entry.before ?? '—'} → {entry.after ?? '—'}
            </td>
            <td>{entry.connected ? 'fails over' : 'loses connectivity'}</td>
            <td>{entry.detectSeconds === null ? '—' : `${entry.detectSeconds} s`}</td>
            <td>
              {entry.recovery}
              {entry.notes.length > 0 && <span className="muted small"> ({entry.notes.join('; ')})</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Topology() {
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const wire = params.get('wire') ?? '';
  const expanded = new Set((params.get('host') ?? '').split(',').filter(Boolean));
  const hosts = usePaged<Host>('/api/v1/hosts', { q: wire ? undefined : q });
  const [onWire, setOnWire] = useState<Set<string>>();

  useEffect(() => {
    if (!wire) return setOnWire(undefined);
    fetchAll<Portgroup>('/api/v1/port-groups').then((portgroups) => setOnWire(new Set(portgroups.filter((pg) => pg.wire === wire).map((pg) => pg.host))));
  }, [wire]);

  const toggle = (name: string) => {
    const next = new Set(expanded);
    if (!next.delete(name)) next.add(name);
    setParams({ q, wire, host: [...next].join(',') });
  };
  const shown = hosts.items.filter((host) => (!onWire || onWire.has(host.name)) && (!wire || !q || host.name.toLowerCase().includes(q.toLowerCase())));
  // Hosts named in the URL are shown even when they are beyond the pages loaded so far.
  const extra = [...expanded].filter((name) => !shown.some((host) => host.name === name));

  return (
    <section>
      <h1>Topology</h1>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Field label="Search hosts and objects">
          <input type="search" value={q} onChange={(event) => setParams({ q: event.target.value, wire, host: [...expanded].join(',') })} />
        </Field>
        <Field label="Only hosts on wire">
          <input type="search" value={wire} onChange={(event) => setParams({ q, wire: event.target.value, host: [...expanded].join(',') })} />
        </Field>
      </form>
      <p className="muted small">Click a physical NIC (or its button) to see what fails over and what loses connectivity when its link goes down.</p>
      <ul className="hosts">
        {[...shown.map((host) => host.name), ...extra].map((name) => (
          <li key={name}>
            <h2>
              <button type="button" className="disclosure" aria-expanded={expanded.has(name)} onClick={() => toggle(name)}>
                {expanded.has(name) ? '▾' : '▸'} {name}
              </button>{' '}
              <Link to={`/hosts/${enc(name)}`} className="small">
                host details
              </Link>
            </h2>
            {expanded.has(name) && <HostGraph name={name} search={q} />}
          </li>
        ))}
      </ul>
      <Pager list={hosts} noun="hosts" />
    </section>
  );
}
