/**
 * Imports a Linux host's live network facts: the JSON of `ip -j -d link show`, `ip -j addr show`,
 * `ip -j route show default` and `bridge -j link show`, and the text of /proc/net/bonding/<bond>,
 * either as a folder of those raw outputs (FACT_FILES) or as the one JSON bundle that
 * collect-facts.sh prints. Produces the interface graph as the kernel has it, each interface's
 * operational state, and each bond member's MII state (`linkState['bond0/eth1']`) and bridge
 * port's forwarding state (`linkState['br0/eth2']`) for `hostwire host diff`.
 *
 * Kernel defaults are left unset, as a declaration leaves them: MTU 1500 and a bridge forward
 * delay of 15 s. Guests' NICs on the host's bridges (tun/tap such as vnetN, Xen vifX.Y) are not
 * the host's interfaces and are left out with a warning; so are kinds the model has no place for.
 */
import { BOND_MODES, BOND_OPTION_MODES } from '../../domain/interfaces.ts';
import type { LinkState } from '../../domain/network-diff.ts';
import { sourceError, type ImportedNetwork, type SourceFile } from '../host-facts.ts';
import { addAddress, draftInterface, setField, validateDrafts, type DraftInterface, type Origin } from './imported-graph.ts';

/** The file names of a facts folder (what collect-facts.sh runs, one output each). */
export const FACT_FILES = { ipLink: 'ip-link.json', ipAddr: 'ip-addr.json', ipRoute: 'ip-route.json', bridgeLink: 'bridge-link.json', bonding: 'bonding/<bond>' } as const;
export const FACTS_FORMAT = 'hostwire-linux-facts';
export const FACTS_VERSION = 1;
/** A host with thousands of VLAN interfaces prints a few MiB; anything far larger is not these facts. */
const MAX_BYTES = 8 * 1024 * 1024;
const DEFAULT_MTU = 1500;
/** The kernel's default bridge forward delay, in the centiseconds ip prints. */
const DEFAULT_FORWARD_DELAY_CS = 1500;

interface RawOutput {
  /** Where it was read, for errors: a file, or `bundle.json#ipLink`. */
  source: string;
  value: unknown;
}

interface LinuxFacts {
  ipLink: RawOutput;
  ipAddr?: RawOutput;
  ipRoute?: RawOutput;
  bridgeLink?: RawOutput;
  bonding: { bond: string; source: string; text: string }[];
}

interface IpLink {
  ifname: string;
  mtu?: number;
  address?: string;
  permaddr?: string;
  operstate?: string;
  master?: string;
  link?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string; info_slave_data?: Record<string, unknown> };
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string; dynamic?: boolean }[];
}

function checkSize(file: SourceFile): void {
  const bytes = Buffer.byteLength(file.content);
  if (bytes > MAX_BYTES) throw sourceError(file.path, null, `is ${bytes} bytes; network facts are at most ${MAX_BYTES} bytes (collect them with collect-facts.sh)`);
}

function parseJson(file: SourceFile, expected: string): unknown {
  checkSize(file);
  try {
    return JSON.parse(file.content);
  } catch (error) {
    throw sourceError(file.path, null, `is not JSON (${(error as Error).message.split('\n')[0]}); expected ${expected}`);
  }
}

const fileName = (path: string) => path.split('/').pop()!;

/** The raw outputs, from a folder of them or from collect-facts.sh's bundle. */
function readFacts(files: SourceFile[]): LinuxFacts {
  const byName = new Map(files.map((file) => [fileName(file.path), file]));
  const bonding = files
    .filter((file) => /(^|\/)bonding\/[^/]+$/.test(file.path))
    .map((file) => {
      checkSize(file);
      return { bond: fileName(file.path), source: file.path, text: file.content };
    });
  const raw = (name: string, command: string): RawOutput | undefined => {
    const file = byName.get(name);
    return file && { source: file.path, value: parseJson(file, `the output of \`${command}\``) };
  };
  const ipLink = raw(FACT_FILES.ipLink, 'ip -j -d link show');
  if (ipLink) {
    return { ipLink, ipAddr: raw(FACT_FILES.ipAddr, 'ip -j addr show'), ipRoute: raw(FACT_FILES.ipRoute, 'ip -j route show default'), bridgeLink: raw(FACT_FILES.bridgeLink, 'bridge -j link show'), bonding };
  }
  const json = files.filter((file) => file.path.endsWith('.json'));
  if (json.length !== 1) {
    throw sourceError(files[0]?.path ?? '(folder)', null, `is neither a facts folder (${Object.values(FACT_FILES).join(', ')}) nor one bundle printed by collect-facts.sh`);
  }
  const file = json[0]!;
  const bundle = parseJson(file, `a ${FACTS_FORMAT} bundle printed by collect-facts.sh`);
  if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle) || (bundle as { format?: unknown }).format !== FACTS_FORMAT) {
    throw sourceError(file.path, null, `is not a ${FACTS_FORMAT} bundle: expected the JSON object collect-facts.sh prints ({"format": "${FACTS_FORMAT}", "version": ${FACTS_VERSION}, ...})`);
  }
  const fields = bundle as Record<string, unknown>;
  if (fields.version !== FACTS_VERSION) throw sourceError(file.path, null, `is a version ${JSON.stringify(fields.version)} bundle; this hostwire reads version ${FACTS_VERSION}: collect again with the collect-facts.sh of this release`);
  const part = (key: string): RawOutput | undefined => (fields[key] === undefined || fields[key] === null ? undefined : { source: `${file.path}#${key}`, value: fields[key] });
  const bonds = fields.bonding ?? {};
  if (typeof bonds !== 'object' || Array.isArray(bonds) || Object.values(bonds).some((text) => typeof text !== 'string')) throw sourceError(`${file.path}#bonding`, null, 'must map each bond name to the text of its /proc/net/bonding file');
  return {
    ipLink: part('ipLink') ?? { source: `${file.path}#ipLink`, value: undefined },
    ipAddr: part('ipAddr'),
    ipRoute: part('ipRoute'),
    bridgeLink: part('bridgeLink'),
    bonding: Object.entries(bonds as Record<string, string>).map(([bond, text]) => ({ bond, source: `${file.path}#bonding/${bond}`, text })),
  };
}

/** The array of link objects `ip -j` prints; anything else is refused with what was expected. */
function linksOf(output: RawOutput, command: string): IpLink[] {
  const expected = `the JSON array \`${command}\` prints, one object with ifindex and ifname per link`;
  if (!Array.isArray(output.value)) throw sourceError(output.source, null, `is not ${expected}`);
  output.value.forEach((entry, index) => {
    const link = entry as Partial<IpLink> & { ifindex?: unknown };
    if (!entry || typeof entry !== 'object' || typeof link.ifindex !== 'number' || typeof link.ifname !== 'string') throw sourceError(output.source, null, `entry ${index} is not a link: expected ${expected}`);
    if (link.mtu !== undefined && typeof link.mtu !== 'number') throw sourceError(output.source, null, `${link.ifname}: mtu must be a number`);
  });
  return output.value as IpLink[];
}

const OPERSTATES: Record<string, LinkState> = { UP: 'up', DOWN: 'down', LOWERLAYERDOWN: 'down', NOTPRESENT: 'down', DORMANT: 'down', UNKNOWN: 'unknown', TESTING: 'unknown' };
const BRIDGE_PORT_STATES: Record<string, LinkState> = { forwarding: 'up', disabled: 'down', blocking: 'down', listening: 'unknown', learning: 'unknown' };
/** /proc/net/bonding's "Bonding Mode:" sentences, by the mode each names. */
const PROC_BOND_MODES: [string, string][] = [
  ['load balancing (round-robin)', 'balance-rr'],
  ['fault-tolerance (active-backup)', 'active-backup'],
  ['load balancing (xor)', 'balance-xor'],
  ['fault-tolerance (broadcast)', 'broadcast'],
  ['IEEE 802.3ad Dynamic link aggregation', '802.3ad'],
  ['transmit load balancing', 'balance-tlb'],
  ['adaptive load balancing', 'balance-alb'],
];

interface ProcBond {
  mode: string;
  miimon?: number;
  slaves: { name: string; mii: LinkState; permanentMac?: string }[];
}

/** Reads /proc/net/bonding/<bond>: the mode, MII polling and each slave's MII status and permanent MAC. */
function parseProcBonding(source: string, text: string): ProcBond {
  let mode: string | undefined;
  let miimon: number | undefined;
  const slaves: ProcBond['slaves'] = [];
  text.split('\n').forEach((line, index) => {
    const pair = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (!pair) return;
    const [, key, value] = pair as unknown as [string, string, string];
    const slave = slaves[slaves.length - 1];
    if (key === 'Bonding Mode') {
      mode = PROC_BOND_MODES.find(([sentence]) => value.startsWith(sentence))?.[1];
      if (!mode) throw sourceError(source, index + 1, `unknown bonding mode '${value}'; expected one of: ${PROC_BOND_MODES.map(([sentence]) => sentence).join('; ')}`);
    } else if (key === 'MII Polling Interval (ms)') miimon = Number(value);
    else if (key === 'Slave Interface') slaves.push({ name: value, mii: 'unknown' });
    else if (key === 'MII Status' && slave) slave.mii = value === 'up' ? 'up' : value === 'down' ? 'down' : 'unknown';
    else if (key === 'Permanent HW addr' && slave) slave.permanentMac = value.toLowerCase();
  });
  if (!mode) throw sourceError(source, 1, "is not a /proc/net/bonding file: it has no 'Bonding Mode:' line");
  return { mode, ...(miimon !== undefined ? { miimon } : {}), slaves };
}

/** Host NICs stand for themselves; a veth end is the host's own Ethernet link (containers and test namespaces use it in a NIC's place). */
const PHYSICAL_KINDS = [undefined, 'veth'];
const isGuestNic = (link: IpLink) => link.linkinfo?.info_kind === 'tun' || /^vif[0-9]+\.[0-9]+(-emu)?$/.test(link.ifname);

/** Imports live facts: a folder of raw outputs (FACT_FILES) or one collect-facts.sh bundle. */
export function importLinuxFacts(files: SourceFile[]): ImportedNetwork {
  const facts = readFacts(files);
  const links = linksOf(facts.ipLink, 'ip -j -d link show');
  const linkOrigin: Origin = { file: facts.ipLink.source, line: null };
  if (!links.some((link) => link.linkinfo) && links.some((link) => link.master)) {
    throw sourceError(facts.ipLink.source, null, 'has no linkinfo: collect it with `ip -j -d link show` (the -d adds bond, VLAN and bridge details)');
  }
  const warnings: string[] = [];
  const linkState: Record<string, LinkState> = {};
  const drafts = new Map<string, DraftInterface>();
  const guests = new Map<string, string[]>();
  /** NICs whose MAC is their permanent one; a bond slave's current MAC is the bond's. */
  const permanentMac = new Set<string>();
  for (const link of links) {
    const kind = link.linkinfo?.info_kind;
    const data = link.linkinfo?.info_data ?? {};
    let draft: DraftInterface;
    if (link.link_type === 'loopback') continue;
    if (isGuestNic(link)) {
      if (link.master) guests.set(link.master, [...(guests.get(link.master) ?? []), link.ifname]);
      continue;
    }
    if (PHYSICAL_KINDS.includes(kind) && link.link_type === 'ether') {
      draft = draftInterface({ kind: 'physical', name: link.ifname }, linkOrigin);
      const permanent = (link.linkinfo?.info_slave_data?.perm_hwaddr as string | undefined) ?? link.permaddr;
      if (permanent) permanentMac.add(link.ifname);
      const mac = permanent ?? link.address;
      if (mac) setField(draft, 'mac', mac, linkOrigin);
    } else if (kind === 'bond') {
      const mode = String(data.mode);
      if (!(BOND_MODES as readonly string[]).includes(mode)) throw sourceError(facts.ipLink.source, null, `${link.ifname}: bond mode '${mode}' is not one of ${BOND_MODES.join(', ')}`);
      draft = draftInterface({ kind: 'bond', name: link.ifname, members: [], mode }, linkOrigin);
      if (typeof data.miimon === 'number') draft.spec.miimon = data.miimon;
      // The kernel reports every option; keep the ones this mode uses, as a declaration would.
      if (BOND_OPTION_MODES.lacpRate.includes(mode) && data.ad_lacp_rate) draft.spec.lacpRate = data.ad_lacp_rate;
      if (BOND_OPTION_MODES.xmitHashPolicy.includes(mode) && data.xmit_hash_policy) draft.spec.xmitHashPolicy = data.xmit_hash_policy;
      if (BOND_OPTION_MODES.primary.includes(mode) && data.primary) draft.spec.primary = data.primary;
    } else if (kind === 'vlan') {
      if (!link.link || typeof data.id !== 'number') throw sourceError(facts.ipLink.source, null, `${link.ifname}: a VLAN link names its parent (link) and its id`);
      if (data.protocol && data.protocol !== '802.1Q') warnings.push(`${facts.ipLink.source}: ${link.ifname} is an ${String(data.protocol)} VLAN; imported as VLAN ${data.id}, its protocol is not modelled`);
      draft = draftInterface({ kind: 'vlan', name: link.ifname, parent: link.link, vlan: data.id }, linkOrigin);
    } else if (kind === 'bridge') {
      draft = draftInterface({ kind: 'bridge', name: link.ifname, flavor: 'linux', ports: [], stp: Number(data.stp_state ?? 0) !== 0 }, linkOrigin);
      const delay = Number(data.forward_delay ?? DEFAULT_FORWARD_DELAY_CS);
      if (delay !== DEFAULT_FORWARD_DELAY_CS) draft.spec.forwardDelay = Math.round(delay / 100);
      if (Number(data.vlan_filtering ?? 0) !== 0) warnings.push(`${facts.ipLink.source}: ${link.ifname} filters VLANs per port; its port VLANs are not modelled`);
    } else {
      warnings.push(`${facts.ipLink.source}: ${link.ifname} is a ${kind ?? link.link_type ?? 'link'} device, which is not modelled; left out`);
      continue;
    }
    if (link.mtu !== undefined && link.mtu !== DEFAULT_MTU) draft.spec.mtu = link.mtu;
    linkState[link.ifname] = OPERSTATES[link.operstate ?? 'UNKNOWN'] ?? 'unknown';
    drafts.set(link.ifname, draft);
  }
  // A VLAN on a device left out (a macvlan, a guest's tap) has nothing to stand on here.
  for (const draft of drafts.values()) {
    if (draft.spec.kind !== 'vlan' || drafts.has(draft.spec.parent as string)) continue;
    warnings.push(`${facts.ipLink.source}: ${draft.spec.name} is a VLAN on ${String(draft.spec.parent)}, which is left out; so is the VLAN`);
    drafts.delete(draft.spec.name);
    delete linkState[draft.spec.name];
  }
  // Edges: a link's master is its bond or bridge.
  for (const link of links) {
    const owner = link.master ? drafts.get(link.master) : undefined;
    if (!owner || !drafts.has(link.ifname)) continue;
    if (owner.spec.kind === 'bond') {
      (owner.spec.members as string[]).push(link.ifname);
      const mii = link.linkinfo?.info_slave_data?.mii_status;
      if (typeof mii === 'string') linkState[`${owner.spec.name}/${link.ifname}`] = mii === 'UP' ? 'up' : mii === 'DOWN' ? 'down' : 'unknown';
    } else if (owner.spec.kind === 'bridge') (owner.spec.ports as string[]).push(link.ifname);
  }
  for (const [bridge, nics] of guests) warnings.push(`${bridge}: guest NICs ${nics.join(', ')} are the guests' interfaces, not the host's; left out`);

  for (const { bond, source, text } of facts.bonding) {
    const proc = parseProcBonding(source, text);
    const draft = drafts.get(bond);
    if (draft?.spec.kind !== 'bond') {
      warnings.push(`${source}: ${bond} is not a bond in ${facts.ipLink.source}; its bonding state is left out`);
      continue;
    }
    if (proc.mode !== draft.spec.mode) warnings.push(`${source}: ${bond} is ${proc.mode} here but ${String(draft.spec.mode)} in ${facts.ipLink.source}`);
    for (const slave of proc.slaves) {
      // /proc/net/bonding is the bonding driver's own view of each member's link.
      linkState[`${bond}/${slave.name}`] = slave.mii;
      const nic = drafts.get(slave.name);
      if (!nic) warnings.push(`${source}: slave ${slave.name} of ${bond} is not in ${facts.ipLink.source}`);
      else if (slave.permanentMac && !permanentMac.has(slave.name)) setField(nic, 'mac', slave.permanentMac, { file: source, line: null });
    }
  }

  if (facts.ipAddr) {
    for (const entry of linksOf(facts.ipAddr, 'ip -j addr show')) {
      const draft = drafts.get(entry.ifname);
      if (!draft) continue;
      const dynamic: string[] = [];
      for (const info of entry.addr_info ?? []) {
        // Link-local and host-scoped addresses are the kernel's own, not configuration.
        if (info.scope !== 'global' || !info.local || typeof info.prefixlen !== 'number') continue;
        if (info.dynamic) dynamic.push(`${info.local}/${info.prefixlen}`);
        else addAddress(draft, `${info.local}/${info.prefixlen}`, { file: facts.ipAddr.source, line: null });
      }
      if (dynamic.length) warnings.push(`${facts.ipAddr.source}: ${entry.ifname} has dynamic (DHCP or SLAAC) addresses ${dynamic.join(', ')}; only static ones are imported`);
    }
  } else warnings.push(`no ${FACT_FILES.ipAddr}: addresses are not imported`);

  if (facts.bridgeLink) {
    if (!Array.isArray(facts.bridgeLink.value)) throw sourceError(facts.bridgeLink.source, null, 'is not the JSON array `bridge -j link show` prints, one object with ifname, master and state per port');
    for (const port of facts.bridgeLink.value as { ifname?: unknown; master?: unknown; state?: unknown }[]) {
      if (!port || typeof port.ifname !== 'string' || typeof port.master !== 'string') throw sourceError(facts.bridgeLink.source, null, 'is not the JSON array `bridge -j link show` prints, one object with ifname, master and state per port');
      if (!drafts.has(port.ifname) || !drafts.has(port.master)) continue;
      linkState[`${port.master}/${port.ifname}`] = BRIDGE_PORT_STATES[String(port.state)] ?? 'unknown';
    }
  }

  let gateway: ImportedNetwork['gateway'];
  if (facts.ipRoute && Array.isArray(facts.ipRoute.value)) {
    const route = (facts.ipRoute.value as { dst?: unknown; gateway?: unknown; dev?: unknown }[]).find((entry) => entry?.dst === 'default' && typeof entry.gateway === 'string' && typeof entry.dev === 'string');
    if (route) gateway = { interface: route.dev as string, address: route.gateway as string };
  }
  return { interfaces: validateDrafts([...drafts.values()]), linkState, ...(gateway ? { gateway } : {}), warnings };
}
