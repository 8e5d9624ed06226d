/**
 * Topology per host: physical NICs → bonds → VLAN interfaces → switches and bridges → port groups
 * (VLAN, wire, subnet) → vmks and VMs, coloured by link state (from the last imported facts or
 * vCenter sync) and by findings. Failing an uplink asks the simulator what fails over where and
 * what loses connectivity, on top of the links already down.
 * Topology per wire: one graph of every host with a port group or bridge on the wire, each host one
 * node until expanded into the same per-host drawing, and a search that narrows and highlights, so a
 * wire of 50 hosts stays readable. Port groups and bridges with no known wire go on the wire that
 * carries their VLAN.
 */
import { Background, Controls, ReactFlow, type Edge, type Node, type NodeChange, type ReactFlowInstance } from '@xyflow/react';
import { useCallback, useEffect, useState } from 'react';
import { interfaceParents } from '../../../src/domain/interfaces.ts';
import { api, ApiError, enc, fetchAll } from '../api.ts';
import { ErrorNote, Field, Loading, Pager, Severity } from '../components.tsx';
import { usePaged } from '../hooks.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import type { FailoverEntry, Finding, Host, HostDetail, HostDiff, InterfaceSpec, Portgroup, Subnet, Vm, Wire } from '../types.ts';
import { wireOf } from '../wiring.ts';

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
  /** The observed link state and where it came from. */
  links: Pick<HostDiff, 'facts' | 'links'>;
}

async function loadHostNetwork(name: string): Promise<HostNetwork> {
  const [host, portgroups, vms, findings, links] = await Promise.all([
    api<HostDetail>(`/api/v1/hosts/${enc(name)}`),
    fetchAll<Portgroup>('/api/v1/port-groups', { host: name }),
    fetchAll<Vm>('/api/v1/vms', { host: name }),
    fetchAll<Finding>('/api/v1/findings', { host: name }).catch((failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 404) return null;
      throw failure;
    }),
    api<HostDiff>(`/api/v1/hosts/${enc(name)}/diff`),
  ]);
  return { host, portgroups, vms, findings, links };
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
      return [spec.flavor === 'ovs' ? 'OVS bridge' : 'bridge', portgroup ? `VLAN ${portgroup.vlan}` : '', portgroup?.wire ?? '', ...(spec.addresses ?? [])].filter(Boolean).join(' · ');
    default:
      return spec.kind;
  }
}

/** What the failure simulation did to each object: its link went down, it failed over, or it lost connectivity. */
type SimEffect = 'down' | 'failover' | 'lost';

/** Where buildGraph draws a host when it is one of several (the wire view): node ids get a prefix, positions an offset. */
interface GraphPlacement {
  prefix?: string;
  x?: number;
  y?: number;
  /** The subtitle of a port group or bridge node guests attach to, instead of its own wire and subnet. */
  portgroupDetail?: (portgroup: Portgroup) => string;
  /** More classes for a node (the wire view dims what is not on its wire). */
  extraClass?: (name: string, kind: string) => string;
}

const matches = (name: string, needle: string) => needle !== '' && name.toLowerCase().includes(needle);

function buildGraph(network: HostNetwork, search: string, effects: Map<string, SimEffect>, placement: GraphPlacement = {}): { nodes: Node[]; edges: Edge[]; height: number } {
  const { prefix = '', x = 0, y = 0 } = placement;
  const rows = new Map<number, number>();
  const place = (column: number) => {
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { x: x + column * COLUMN_WIDTH, y: y + row * ROW_HEIGHT };
  };
  const worst = new Map<string, string>();
  for (const finding of network.findings ?? []) {
    for (const object of finding.objects) {
      const known = worst.get(object);
      if (!known || SEVERITY_RANK.indexOf(finding.severity) > SEVERITY_RANK.indexOf(known)) worst.set(object, finding.severity);
    }
  }
  const needle = search.trim().toLowerCase();
  const { links } = network.links;
  const linkOf = (name: string) => (links[name] === 'up' || links[name] === 'down' ? links[name] : null);
  const classes = (name: string, kind: string) =>
    [`topo-node`, `kind-${kind}`, linkOf(name) ? `link-${linkOf(name)}` : '', worst.has(name) ? `finding-${worst.get(name)}` : '', effects.has(name) ? `sim-${effects.get(name)}` : '', matches(name, needle) ? 'match' : '', placement.extraClass?.(name, kind) ?? '']
      .filter(Boolean)
      .join(' ');
  const label = (name: string, detail: string) => (
    <span className="topo-label">
      <strong>{name}</strong>
      {detail && <span>{detail}</span>}
    </span>
  );

  const detail = (spec: InterfaceSpec) => {
    const portgroup = network.portgroups.find((pg) => pg.name === spec.name);
    return portgroup && placement.portgroupDetail ? placement.portgroupDetail(portgroup) : subtitle(spec, portgroup);
  };
  const nodes: Node[] = network.host.interfaces.map((spec) => ({
    id: prefix + spec.name,
    position: place(COLUMN[spec.kind]),
    data: { label: label(spec.name, [linkOf(spec.name) === 'down' ? 'link down' : '', detail(spec)].filter(Boolean).join(' · ')) },
    className: classes(spec.name, spec.kind),
    ariaLabel: `${spec.kind} ${spec.name}${linkOf(spec.name) ? `, link ${linkOf(spec.name)}` : ''}`,
  }));
  // A member or port is down for its bond or bridge when its own link is, or when the bond's MII monitor or the bridge says so.
  const edgeDown = (parent: string, child: string) => effects.get(parent) === 'down' || links[parent] === 'down' || links[`${child}/${parent}`] === 'down';
  const edges: Edge[] = network.host.interfaces.flatMap((spec) =>
    interfaceParents(spec).map((parent) => ({ id: `${prefix}${parent.name}->${spec.name}`, source: prefix + parent.name, target: prefix + spec.name, className: edgeDown(parent.name, spec.name) ? 'edge-down' : undefined })),
  );
  const names = new Set(network.host.interfaces.map((spec) => spec.name));
  for (const vm of network.vms) {
    nodes.push({ id: `${prefix}vm:${vm.uuid}`, position: place(COLUMN.vm), data: { label: label(vm.name, vm.nics.flatMap((nic) => nic.ips.map((ip) => ip.address)).join(', ')) }, className: classes(vm.name, 'vm'), ariaLabel: `VM ${vm.name}` });
    for (const nic of vm.nics) if (nic.portgroup && names.has(nic.portgroup)) edges.push({ id: `${prefix}${nic.portgroup}->${vm.uuid}/${nic.mac}`, source: prefix + nic.portgroup, target: `${prefix}vm:${vm.uuid}` });
  }
  for (const node of nodes) Object.assign(node, { sourcePosition: 'right', targetPosition: 'left' });
  return { nodes, edges, height: Math.max(...rows.values(), 2) * ROW_HEIGHT + 40 };
}

/**
 * A read-only React Flow drawing. React Flow shows a node once it has measured it, and keeps that
 * size only on node objects its `onNodesChange` handed back: nodes rebuilt by a later render would be
 * hidden again, and as their size has not changed no resize would come to show them (a loaded CI
 * machine hit this). The sizes it reports are kept here and put on every node built after.
 */
function TopologyFlow({ nodes, edges, maxZoom, onInit, onNodeClick }: { nodes: Node[]; edges: Edge[]; maxZoom?: number; onInit?: (flow: ReactFlowInstance) => void; onNodeClick: (node: Node) => void }) {
  const [sizes, setSizes] = useState<ReadonlyMap<string, { width: number; height: number }>>(new Map());
  const onNodesChange = useCallback((changes: NodeChange[]) => {
    const measured = changes.flatMap((change) => (change.type === 'dimensions' && change.dimensions ? [[change.id, change.dimensions] as const] : []));
    if (measured.length) setSizes((known) => new Map([...known, ...measured]));
  }, []);
  return (
    <ReactFlow
      onInit={onInit}
      nodes={nodes.map((node) => (sizes.has(node.id) ? { ...node, measured: sizes.get(node.id) } : node))}
      onNodesChange={onNodesChange}
      edges={edges}
      fitView
      fitViewOptions={maxZoom === undefined ? undefined : { maxZoom }}
      nodesDraggable={false}
      nodesConnectable={false}
      zoomOnScroll={false}
      preventScrolling={false}
      onNodeClick={(_event, node) => onNodeClick(node)}
    >
      <Background />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
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
        <TopologyFlow nodes={graph.nodes} edges={graph.edges} onNodeClick={(node) => uplinks.some((spec) => spec.name === node.id) && fail(node.id)} />
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
      <TopologyLegend facts={network.links.facts} simulating={sim !== undefined} />
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

/** What the colours mean, and where one host's link state comes from (the wire view draws several hosts). */
function TopologyLegend({ facts, simulating = false }: { facts?: HostDiff['facts']; simulating?: boolean }) {
  const swatches: [string, string][] = [
    ['link-up', 'link up'],
    ['link-down', 'link down'],
    ['finding-warning', 'warning finding'],
    ['finding-error', 'error finding'],
    ...(simulating ? ([['sim-failover', 'fails over'], ['sim-lost', 'loses connectivity']] as [string, string][]) : []),
  ];
  return (
    <div className="legend topo-legend" role="note" aria-label="Topology legend">
      {swatches.map(([className, text]) => (
        <span key={className}>
          <span className={`swatch ${className}`} /> {text}
        </span>
      ))}
      {facts !== undefined && (
        <span>
          {facts
            ? `Link state from ${facts.source} (${facts.format}), ${new Date(facts.importedAt).toLocaleString()}.`
            : 'No link state: sync the host from vCenter or import its live facts (host import --format linux-facts).'}
        </span>
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

/** "2 port groups", "3 bridges", or both: what guests attach to on a host. */
function attachments(portgroups: Portgroup[]): string {
  const count = (kind: Portgroup['kind'], noun: string) => {
    const n = portgroups.filter((pg) => pg.kind === kind).length;
    return n ? `${n} ${noun}${n === 1 ? '' : 's'}` : '';
  };
  return [count('portgroup', 'port group'), count('bridge', 'bridge')].filter(Boolean).join(', ');
}

const HOSTS_PER_ROW = 6;
const HOST_ROW = 84;

interface WireEstate {
  wires: Wire[];
  portgroups: Portgroup[];
  subnets: Subnet[];
}

/**
 * One wire across hosts: every host with a port group on the wire is one node (its port groups and
 * VLANs) until it is expanded into the per-host drawing; the search keeps the hosts whose name,
 * port groups or VMs match and highlights the matches.
 */
function WireTopology({ wire, q, expanded, toggle, chooseWire }: { wire: string; q: string; expanded: Set<string>; toggle: (host: string) => void; chooseWire: (wire: string) => void }) {
  const [estate, setEstate] = useState<WireEstate>();
  const [networks, setNetworks] = useState<Map<string, HostNetwork>>(new Map());
  const [error, setError] = useState<string>();
  const [flow, setFlow] = useState<ReactFlowInstance>();

  useEffect(() => {
    Promise.all([fetchAll<Wire>('/api/v1/wires'), fetchAll<Portgroup>('/api/v1/port-groups'), fetchAll<Subnet>('/api/v1/subnets')]).then(
      ([wires, portgroups, subnets]) => setEstate({ wires, portgroups, subnets }),
      (failure: Error) => setError(failure.message),
    );
  }, []);
  // Only the VMs the search names are fetched (the server matches names), not every VM of the estate.
  const [namedVms, setNamedVms] = useState<Vm[]>([]);
  useEffect(() => {
    const needle = q.trim();
    if (!needle) return setNamedVms([]);
    let current = true;
    const timer = setTimeout(() => {
      fetchAll<Vm>('/api/v1/vms', { q: needle }).then(
        (vms) => current && setNamedVms(vms),
        (failure: Error) => current && setError(failure.message),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [q]);
  const wanted = [...expanded].filter((host) => !networks.has(host)).join(',');
  useEffect(() => {
    for (const host of wanted.split(',').filter(Boolean)) {
      loadHostNetwork(host).then(
        (network) => setNetworks((known) => new Map(known).set(host, network)),
        (failure: Error) => setError(failure.message),
      );
    }
  }, [wanted]);

  // fitView applies when the flow mounts; a new layout (hosts shown, hosts drawn) fits again, keeping the keyboard focus.
  const layout = estate ? `${wire}|${q}|${[...expanded].filter((host) => networks.has(host)).join(',')}` : '';
  useEffect(() => {
    if (!flow) return;
    const frame = requestAnimationFrame(() => void flow.fitView({ maxZoom: 1 }));
    return () => cancelAnimationFrame(frame);
  }, [flow, layout]);

  if (error) return <ErrorNote error={error} />;
  if (!estate) return <Loading what="the wires and port groups" />;

  const placed = estate.portgroups.map((portgroup) => ({ portgroup, ...wireOf(portgroup, estate.subnets) }));
  const onWire = placed.filter((entry) => entry.wire === wire);
  const wireSubnets = estate.subnets.filter((subnet) => subnet.wire === wire);
  const needle = q.trim().toLowerCase();
  const hitsOf = (host: string) => [
    ...(matches(host, needle) ? [host] : []),
    ...estate.portgroups.filter((pg) => pg.host === host && matches(pg.name, needle)).map((pg) => pg.name),
    ...namedVms.filter((vm) => vm.host === host && matches(vm.name, needle)).map((vm) => vm.name),
  ];
  const hosts = [...new Set(onWire.map((entry) => entry.portgroup.host))].sort();
  const shown = needle ? hosts.filter((host) => hitsOf(host).length > 0) : hosts;
  const subnetOf = (portgroup: Portgroup, onWireName: string | null) =>
    portgroup.subnet ?? estate.subnets.find((subnet) => subnet.wire === onWireName && subnet.vlan === portgroup.vlan)?.name ?? null;

  const nodes: Node[] = [];
  const edges: Edge[] = [];
  let y = 0;
  let column = 0;
  for (const host of shown) {
    const mine = onWire.filter((entry) => entry.portgroup.host === host);
    const vlans = [...new Set(mine.map((entry) => entry.portgroup.vlan))].sort((a, b) => a - b);
    const open = expanded.has(host);
    const hits = hitsOf(host);
    if (open && column > 0) {
      y += HOST_ROW;
      column = 0;
    }
    nodes.push({
      id: `host:${host}`,
      position: { x: column * COLUMN_WIDTH, y },
      ariaLabel: `host ${host}`,
      className: ['topo-node', 'kind-host', hits.length ? 'match' : ''].filter(Boolean).join(' '),
      data: {
        label: (
          <span className="topo-label">
            <button
              type="button"
              className="disclosure nodrag"
              aria-expanded={open}
              aria-label={host}
              onClick={(event) => {
                event.stopPropagation();
                toggle(host);
              }}
            >
              {open ? '▾' : '▸'} {host}
            </button>
            <span>
              {attachments(mine.map((entry) => entry.portgroup))} · VLAN {vlans.join(', ')}
            </span>
            {needle && hits.length > 0 && <span className="hits">matches: {hits.join(', ')}</span>}
          </span>
        ),
      },
    });
    if (!open) {
      column += 1;
      if (column === HOSTS_PER_ROW) {
        column = 0;
        y += HOST_ROW;
      }
      continue;
    }
    const network = networks.get(host);
    y += HOST_ROW;
    if (!network) continue;
    const graph = buildGraph(network, q, new Map(), {
      prefix: `${host}/`,
      y,
      portgroupDetail: (portgroup) => {
        const where = wireOf(portgroup, estate.subnets);
        return `VLAN ${portgroup.vlan} · ${subnetOf(portgroup, where.wire) ?? 'no subnet'} · ${where.wire ?? 'no wire'}${where.inferred ? ' (by VLAN)' : ''}`;
      },
      extraClass: (name, kind) => ((kind === 'portgroup' || kind === 'bridge') && estate.portgroups.some((pg) => pg.host === host && pg.name === name) && !mine.some((entry) => entry.portgroup.name === name) ? 'off-wire' : ''),
    });
    nodes.push(...graph.nodes);
    edges.push(...graph.edges);
    y += graph.height - 40 + 24;
  }
  const height = Math.max(y + (column > 0 ? HOST_ROW : 0), 2 * HOST_ROW) + 40;
  const inferred = onWire.some((entry) => entry.inferred);

  return (
    <div className="wire-view">
      <Field label="Wire">
        <select value={wire} onChange={(event) => chooseWire(event.target.value)}>
          <option value="">choose a wire</option>
          {estate.wires.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </select>
      </Field>
      {!wire && <p className="muted">Choose a wire to see its hosts.</p>}
      {wire && (
        <>
          {inferred && (
            <p className="note" role="note">
              Some port groups and bridges have no known wire (their hosts are not synced from vCenter, as in the demo, or the bridge has no address in a subnet): they are placed on the wire whose subnets carry
              their VLAN, marked “by VLAN”. Sync the account to map port groups.
            </p>
          )}
          <table aria-label={`Subnets of ${wire}`}>
            <caption>Subnets of {wire}</caption>
            <thead>
              <tr>
                <th scope="col">Subnet</th>
                <th scope="col">CIDR</th>
                <th scope="col">VLAN</th>
                <th scope="col">Port groups and bridges</th>
              </tr>
            </thead>
            <tbody>
              {wireSubnets.map((subnet) => {
                const carried = onWire.filter((entry) => entry.portgroup.vlan === subnet.vlan);
                return (
                  <tr key={subnet.name}>
                    <td>
                      <Link to={`/subnets/${enc(subnet.name)}`}>{subnet.name}</Link>
                    </td>
                    <td>{subnet.cidr}</td>
                    <td>{subnet.vlan}</td>
                    <td>
                      {carried.length ? (
                        [...new Set(carried.map((entry) => entry.portgroup.name))].map((name) => {
                          const hosts = carried.filter((entry) => entry.portgroup.name === name).length;
                          return (
                            <span key={name} className={matches(name, needle) ? 'pill match' : 'pill'}>
                              {name} ({hosts} host{hosts === 1 ? '' : 's'})
                            </span>
                          );
                        })
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="muted small" role="status">
            {shown.length} of {hosts.length} host{hosts.length === 1 ? '' : 's'} on {wire}
            {needle ? ` match “${q.trim()}”` : ''}. Click a host (or press Enter on it) to expand it.
          </p>
          {shown.length > 0 && (
            <div
              className="graph"
              style={{ height }}
              aria-label={`Topology of wire ${wire}`}
              role="group"
              onKeyDown={(event) => {
                const target = event.target as HTMLElement;
                const id = target.dataset.id;
                if (event.key === 'Enter' && target.classList.contains('react-flow__node') && id?.startsWith('host:')) toggle(id.slice('host:'.length));
              }}
            >
              <TopologyFlow nodes={nodes} edges={edges} maxZoom={1} onInit={setFlow} onNodeClick={(node) => node.id.startsWith('host:') && toggle(node.id.slice('host:'.length))} />
            </div>
          )}
          {expanded.size > 0 && <TopologyLegend />}
        </>
      )}
    </div>
  );
}

export function Topology() {
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const wire = params.get('wire') ?? '';
  const view = params.get('view') === 'wire' ? 'wire' : 'host';
  const expanded = new Set((params.get('host') ?? '').split(',').filter(Boolean));
  const hosts = usePaged<Host>('/api/v1/hosts', { q: wire || view === 'wire' ? undefined : q });
  const [onWire, setOnWire] = useState<Set<string>>();

  useEffect(() => {
    if (!wire || view === 'wire') return setOnWire(undefined);
    Promise.all([fetchAll<Portgroup>('/api/v1/port-groups'), fetchAll<Subnet>('/api/v1/subnets')]).then(([portgroups, subnets]) =>
      setOnWire(new Set(portgroups.filter((pg) => wireOf(pg, subnets).wire === wire).map((pg) => pg.host))),
    );
  }, [wire, view]);

  const go = (changes: { q?: string; wire?: string; host?: string; view?: string }) =>
    setParams({ view: view === 'wire' ? 'wire' : '', q, wire, host: [...expanded].join(','), ...changes });
  const toggle = (name: string) => {
    const next = new Set(expanded);
    if (!next.delete(name)) next.add(name);
    go({ host: [...next].join(',') });
  };
  const switcher = (
    <div className="view-switch" role="group" aria-label="Topology view">
      <button type="button" aria-pressed={view === 'host'} onClick={() => go({ view: '', host: '' })}>
        Per host
      </button>
      <button type="button" aria-pressed={view === 'wire'} onClick={() => go({ view: 'wire', host: '' })}>
        Per wire
      </button>
    </div>
  );
  if (view === 'wire')
    return (
      <section>
        <h1>Topology</h1>
        {switcher}
        <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
          <Field label="Search hosts, port groups and VMs">
            <input type="search" value={q} onChange={(event) => go({ q: event.target.value })} />
          </Field>
        </form>
        <WireTopology wire={wire} q={q} expanded={expanded} toggle={toggle} chooseWire={(chosen) => go({ wire: chosen, host: '' })} />
      </section>
    );
  const shown = hosts.items.filter((host) => (!onWire || onWire.has(host.name)) && (!wire || !q || host.name.toLowerCase().includes(q.toLowerCase())));
  // Hosts named in the URL are shown even when they are beyond the pages loaded so far.
  const extra = [...expanded].filter((name) => !shown.some((host) => host.name === name));

  return (
    <section>
      <h1>Topology</h1>
      {switcher}
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Field label="Search hosts and objects">
          <input type="search" value={q} onChange={(event) => go({ q: event.target.value })} />
        </Field>
        <Field label="Only hosts on wire">
          <input type="search" value={wire} onChange={(event) => go({ wire: event.target.value })} />
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
