/**
 * Imports a netplan folder: every `*.yaml` under it, merged as netplan merges them (ordered by
 * file name; a name in run/ shadows etc/, which shadows lib/; mappings merge, scalars are replaced
 * by the later file, sequences are appended), into the interface graph: ethernets (match /
 * set-name), bonds with parameters, vlans (id, link), bridges with parameters or openvswitch,
 * addresses, mtu, and the default route (routes `to: default`, or gateway4/gateway6).
 * Scalars are read as netplan's C parser reads them, as text interpreted per key (YAML's failsafe
 * schema), so an unquoted MAC is never a base-60 number.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { BOND_MODES, LACP_RATES, XMIT_HASH_POLICIES } from '../../domain/interfaces.ts';
import { sourceError, type ImportedNetwork, type SourceFile } from '../host-facts.ts';
import { addAddress, draftInterface, setField, validateDrafts, type DraftInterface, type Origin } from './imported-graph.ts';

/** A netplan file is a few KiB; anything far larger is not one. */
const MAX_FILE_BYTES = 1024 * 1024;

/** A YAML value with where it was written. */
type Located = Origin &
  ({ type: 'scalar'; text: string } | { type: 'seq'; items: Located[] } | { type: 'map'; entries: Map<string, Located> });

function locate(node: Node | null, file: string, lines: LineCounter): Located {
  const line = node?.range ? lines.linePos(node.range[0]).line : null;
  if (node === null || isScalar(node)) return { file, line, type: 'scalar', text: node === null || node.value === null ? '' : String(node.value) };
  if (isAlias(node)) throw sourceError(file, line, `the alias *${node.source} is not read; write the value out (netplan files have no anchors)`);
  if (isSeq(node)) return { file, line, type: 'seq', items: node.items.map((item) => locate(item as Node, file, lines)) };
  if (isMap(node)) {
    const entries = new Map<string, Located>();
    for (const pair of node.items) {
      if (!isScalar(pair.key)) throw sourceError(file, line, 'a mapping key must be plain text');
      entries.set(String(pair.key.value), locate(pair.value as Node | null, file, lines));
    }
    return { file, line, type: 'map', entries };
  }
  throw sourceError(file, line, 'unsupported YAML node');
}

/** netplan's merge: mappings key by key, sequences appended, anything else replaced by the later file. */
function merge(earlier: Located | undefined, later: Located): Located {
  if (earlier?.type === 'map' && later.type === 'map') {
    const entries = new Map(earlier.entries);
    for (const [key, value] of later.entries) entries.set(key, merge(entries.get(key), value));
    return { ...later, entries };
  }
  if (earlier?.type === 'seq' && later.type === 'seq') return { ...later, items: [...earlier.items, ...later.items] };
  return later;
}

const at = (value: Located) => sourceError.bind(null, value.file, value.line);

function mapOf(value: Located, what: string): Map<string, Located> {
  if (value.type !== 'map') throw at(value)(`${what} must be a mapping`);
  return value.entries;
}

function textOf(value: Located, what: string): string {
  if (value.type !== 'scalar') throw at(value)(`${what} must be a single value`);
  return value.text;
}

function listOf(value: Located, what: string): Located[] {
  if (value.type !== 'seq') throw at(value)(`${what} must be a list, e.g. [eth0, eth1]`);
  return value.items;
}

function boolOf(value: Located, what: string): boolean {
  const text = textOf(value, what).toLowerCase();
  if (['true', 'yes', 'on', 'y'].includes(text)) return true;
  if (['false', 'no', 'off', 'n'].includes(text)) return false;
  throw at(value)(`${what}: '${text}' is not true or false`);
}

function numberOf(value: Located, what: string, unit: 'ms' | 's' | null = null): number {
  const text = textOf(value, what);
  const match = /^([0-9]{1,6})(ms|s)?$/.exec(text);
  if (!match || (match[2] && !unit)) throw at(value)(`${what}: '${text}' is not a whole number${unit ? ` (${unit === 'ms' ? 'milliseconds' : 'seconds'})` : ''}`);
  const number = Number(match[1]);
  if (!match[2] || match[2] === unit) return number;
  return unit === 'ms' ? number * 1000 : number / 1000;
}

function pickOf(value: Located, what: string, allowed: readonly string[]): string {
  const text = textOf(value, what);
  if (!allowed.includes(text)) throw at(value)(`${what}: '${text}' is not one of ${allowed.join(', ')}`);
  return text;
}

const SECTIONS = { ethernets: 'physical', bonds: 'bond', vlans: 'vlan', bridges: 'bridge' } as const;
/** Keys read into the model, by section; every other key is reported as not modelled. */
const COMMON_KEYS = ['mtu', 'addresses', 'routes', 'gateway4', 'gateway6', 'dhcp4', 'dhcp6', 'renderer'];
const SECTION_KEYS: Record<keyof typeof SECTIONS, string[]> = {
  ethernets: ['match', 'set-name', 'macaddress'],
  bonds: ['interfaces', 'parameters'],
  vlans: ['id', 'link'],
  bridges: ['interfaces', 'parameters', 'openvswitch'],
};
const DEFAULT_ROUTES = ['default', '0.0.0.0/0', '::/0'];

/** The files netplan would read, in its order: by file name, a name in run/ shadowing etc/ shadowing lib/. */
function netplanFiles(files: SourceFile[]): SourceFile[] {
  const rank = (path: string) => (/(^|\/)run\/netplan\//.test(path) ? 3 : /(^|\/)etc\/netplan\//.test(path) ? 2 : /(^|\/)lib\/netplan\//.test(path) ? 1 : 0);
  const byName = new Map<string, SourceFile>();
  for (const file of files) {
    if (!file.path.endsWith('.yaml')) continue;
    const name = file.path.split('/').pop()!;
    const seen = byName.get(name);
    if (!seen || rank(file.path) > rank(seen.path)) byName.set(name, file);
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, file]) => file);
}

function parseFile(file: SourceFile): Located {
  if (Buffer.byteLength(file.content) > MAX_FILE_BYTES) throw sourceError(file.path, null, `is ${Buffer.byteLength(file.content)} bytes; a netplan file is at most ${MAX_FILE_BYTES} bytes`);
  const lines = new LineCounter();
  const document = parseDocument(file.content, { schema: 'failsafe', lineCounter: lines });
  const [error] = document.errors;
  if (error) throw sourceError(file.path, error.linePos?.[0].line ?? null, `not valid YAML (${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}); a netplan file is a YAML mapping starting with 'network:'`);
  const root = locate(document.contents as Node | null, file.path, lines);
  if (root.type !== 'map' || !root.entries.has('network')) throw at(root)("a netplan file is a mapping with one key, 'network:' (version: 2, ethernets, bonds, vlans, bridges)");
  return root;
}

/** Imports the `*.yaml` files among `files` (other files are skipped). */
export function importNetplan(files: SourceFile[]): ImportedNetwork {
  const ordered = netplanFiles(files);
  if (!ordered.length) throw sourceError(files[0]?.path ?? '(folder)', null, 'holds no *.yaml file; point at /etc/netplan or a copy of it');
  const merged = ordered.reduce<Located | undefined>((earlier, file) => merge(earlier, parseFile(file)), undefined)!;
  const network = mapOf(mapOf(merged, 'the file').get('network')!, 'network');
  const version = network.get('version');
  if (!version || textOf(version, 'version') !== '2') throw sourceError(version?.file ?? ordered[0]!.path, version?.line ?? null, "network.version must be 2 (netplan's only format)");

  const warnings: string[] = [];
  const drafts = new Map<string, DraftInterface>();
  const definitions: { section: keyof typeof SECTIONS; id: string; body: Map<string, Located>; origin: Origin }[] = [];
  const sectionOf = new Map<string, string>();
  for (const [section, value] of network) {
    if (section === 'version' || section === 'renderer') continue;
    if (!(section in SECTIONS)) {
      if (value.type === 'map') for (const id of value.entries.keys()) warnings.push(`${value.file}:${value.line}: ${section} ${id} is not modelled; left out`);
      else warnings.push(`${value.file}:${value.line}: network.${section} is not modelled; left out`);
      continue;
    }
    for (const [id, body] of mapOf(value, `network.${section}`)) {
      if (sectionOf.has(id)) throw at(body)(`${id} is defined in both ${sectionOf.get(id)} and ${section}; an ID names one device`);
      sectionOf.set(id, section);
      definitions.push({ section: section as keyof typeof SECTIONS, id, body: body.type === 'map' ? body.entries : mapOf(body, `${section}.${id}`), origin: { file: body.file, line: body.line } });
    }
  }

  // Device names: an ethernet's set-name, or its match name when that is not a glob; else its ID.
  const names = new Map<string, string>();
  for (const { section, id, body, origin } of definitions) {
    let name = id;
    if (section === 'ethernets') {
      const match = body.get('match');
      const matchName = match ? mapOf(match, `ethernets.${id}.match`).get('name') : undefined;
      const setName = body.get('set-name');
      if (setName) name = textOf(setName, 'set-name');
      else if (matchName && !/[*?[]/.test(textOf(matchName, 'match.name'))) name = textOf(matchName, 'match.name');
      else if (match) warnings.push(`${origin.file}:${origin.line}: ethernets.${id} matches devices without set-name; it is imported under its ID`);
    }
    names.set(id, name);
  }
  const nameOf = (reference: Located, what: string) => {
    const id = textOf(reference, what);
    const name = names.get(id);
    if (name === undefined) throw at(reference)(`${what}: ${id} is not defined in ethernets, bonds, vlans or bridges`);
    return name;
  };

  let gateway: ImportedNetwork['gateway'];
  for (const { section, id, body, origin } of definitions) {
    const name = names.get(id)!;
    const draft = draftInterface({ kind: SECTIONS[section], name }, origin);
    const field = (key: string) => body.get(key);
    for (const [key, value] of body) {
      if (!COMMON_KEYS.includes(key) && !SECTION_KEYS[section].includes(key)) warnings.push(`${value.file}:${value.line}: ${section}.${id}.${key} is not modelled; left out`);
    }
    switch (section) {
      case 'ethernets': {
        const match = field('match');
        const mac = (match && mapOf(match, 'match').get('macaddress')) ?? field('macaddress');
        if (mac) setField(draft, 'mac', textOf(mac, 'macaddress'), mac);
        break;
      }
      case 'bonds': {
        const members = field('interfaces');
        setField(draft, 'members', members ? listOf(members, 'interfaces').map((member) => nameOf(member, `bonds.${id}.interfaces`)) : [], members ?? origin);
        const parameters = field('parameters') ? mapOf(field('parameters')!, 'parameters') : new Map<string, Located>();
        const mode = parameters.get('mode');
        setField(draft, 'mode', mode ? pickOf(mode, 'mode', BOND_MODES) : 'balance-rr', mode ?? origin); // the kernel's default mode
        for (const [key, value] of parameters) {
          if (key === 'mii-monitor-interval') setField(draft, 'miimon', numberOf(value, key, 'ms'), value);
          else if (key === 'lacp-rate') setField(draft, 'lacpRate', pickOf(value, key, LACP_RATES), value);
          else if (key === 'transmit-hash-policy') setField(draft, 'xmitHashPolicy', pickOf(value, key, XMIT_HASH_POLICIES), value);
          else if (key === 'primary') setField(draft, 'primary', nameOf(value, `bonds.${id}.parameters.primary`), value);
          else if (key !== 'mode') warnings.push(`${value.file}:${value.line}: bonds.${id}.parameters.${key} is not modelled; left out`);
        }
        break;
      }
      case 'vlans': {
        const vlan = field('id');
        const link = field('link');
        if (!vlan || !link) throw sourceError(origin.file, origin.line, `vlans.${id} needs both id (1-4094) and link (the parent's ID)`);
        setField(draft, 'vlan', numberOf(vlan, `vlans.${id}.id`), vlan);
        setField(draft, 'parent', nameOf(link, `vlans.${id}.link`), link);
        break;
      }
      case 'bridges': {
        const ports = field('interfaces');
        setField(draft, 'ports', ports ? listOf(ports, 'interfaces').map((port) => nameOf(port, `bridges.${id}.interfaces`)) : [], ports ?? origin);
        draft.spec.flavor = field('openvswitch') ? 'ovs' : 'linux';
        const parameters = field('parameters') ? mapOf(field('parameters')!, 'parameters') : new Map<string, Located>();
        const stp = parameters.get('stp');
        // netplan turns STP on unless told otherwise.
        setField(draft, 'stp', stp ? boolOf(stp, 'stp') : true, stp ?? origin);
        for (const [key, value] of parameters) {
          if (key === 'forward-delay') setField(draft, 'forwardDelay', numberOf(value, key, 's'), value);
          else if (key !== 'stp') warnings.push(`${value.file}:${value.line}: bridges.${id}.parameters.${key} is not modelled; left out`);
        }
        break;
      }
    }
    const mtu = field('mtu');
    if (mtu) setField(draft, 'mtu', numberOf(mtu, `${section}.${id}.mtu`), mtu);
    for (const entry of field('addresses') ? listOf(field('addresses')!, 'addresses') : []) {
      // An address is written plain, or as a one-key mapping carrying a label or lifetime.
      const text = entry.type === 'map' && entry.entries.size === 1 ? [...entry.entries.keys()][0]! : textOf(entry, 'addresses');
      addAddress(draft, text, entry);
    }
    for (const key of ['dhcp4', 'dhcp6']) {
      const value = field(key);
      if (value && boolOf(value, key)) warnings.push(`${value.file}:${value.line}: ${name} uses ${key.toUpperCase()}; only static addresses are imported`);
    }
    for (const key of ['gateway4', 'gateway6']) {
      const value = field(key);
      if (value) gateway = { interface: name, address: textOf(value, key) };
    }
    for (const route of field('routes') ? listOf(field('routes')!, 'routes') : []) {
      const entries = mapOf(route, 'a route');
      const to = entries.get('to');
      const via = entries.get('via');
      if (to && via && DEFAULT_ROUTES.includes(textOf(to, 'to'))) gateway = { interface: name, address: textOf(via, 'via') };
      else warnings.push(`${route.file}:${route.line}: a route other than the default one is not modelled; left out`);
    }
    drafts.set(id, draft);
  }
  return { interfaces: validateDrafts([...drafts.values()]), linkState: {}, ...(gateway ? { gateway } : {}), warnings };
}
