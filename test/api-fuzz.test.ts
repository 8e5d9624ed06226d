/**
 * Fuzzing the HTTP API over a real loopback socket: a few thousand generated requests, every one of
 * which the server must refuse — malformed or mistyped bodies, bad path and query parameters, wrong
 * content types, unknown routes and methods, missing or bad tokens, roles that may not write,
 * oversized bodies, requests Node's HTTP parser refuses, and well-formed requests that name what
 * does not exist or conflict with what does. Each answer must be a 4xx RFC 9457 problem without a
 * stack trace, the JSON log must carry no token secret, and the store must read back exactly as
 * before.
 *
 * The requests are deterministic: a seeded PRNG (mulberry32) picks them. Every generated request
 * is built so that it can only fail; where a body could be salvaged, its base is one the server
 * refuses on its own (an existing name, an overlapping CIDR, a missing object), a safety net that
 * the fixed cases check first.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../src/api/server.ts';
import { seedDemo } from '../src/services/demo.ts';
import { createToken } from '../src/services/tokens.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';

const SEED = 0x5eed2026;
const RANDOM_CASES = 2_300;
const CONCURRENCY = 8;
const MAX_BODY_BYTES = 1024 * 1024;

/** mulberry32: small, fast and good enough to pick test inputs reproducibly. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    assert.ok(items.length > 0, 'pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

type Role = 'admin' | 'operator' | 'viewer';
type Secrets = Record<Role, string>;
/** A role's token, a literal Authorization header, or none at all. */
type Auth = Role | { header: string } | null;

interface Case {
  label: string;
  method: string;
  /** Path and query, already encoded. */
  path: string;
  /** Default: the admin token. */
  auth?: Auth;
  /** Text is sent as is; bytes are sent without a default content type. */
  body?: string | Uint8Array;
  /** Stream the body with chunked transfer encoding (no Content-Length). */
  chunked?: boolean;
  /** Default: application/json for a text body. */
  contentType?: string;
  /** The statuses allowed; every status must be 4xx in any case. */
  expect?: readonly number[];
  /** The body is not the JSON document it claims to be: a 400 need not list field errors. */
  malformed?: boolean;
  /** A 400 must name this field (or something inside it). */
  errorPath?: string;
  /** More request headers. */
  headers?: Record<string, string>;
  /** Refused by Node's HTTP parser before the app sees it, so not in the request log. */
  unlogged?: boolean;
}

type Json = Record<string, unknown>;

const enc = encodeURIComponent;
const b64 = (text: string) => Buffer.from(text).toString('base64url');
const huge = (r: Rng) => 'h'.repeat(100_000 + r.int(0, 100_000));
const jsonCase = (label: string, method: string, path: string, body: unknown, extra: Partial<Case> = {}): Case => ({ label, method, path, body: JSON.stringify(body), ...extra });

// ---------------------------------------------------------------------------------------------
// The demo estate (src/services/demo.ts) as far as the requests below need it.

const WIRES = ['dc1-trunk', 'vmotion-a', 'vmotion-b', 'vmotion-c', 'xen-lab'];
const SUBNETS = ['mgmt', 'vm-web', 'vm-db', 'vm-v6', 'vmotion-1', 'vmotion-2', 'vmotion-3', 'xen-10', 'xen-20'];
/** Subnets with far fewer than 65,536 free addresses (not the IPv6 one, and not the random-policy one, which takes them one by one). */
const SMALL_SUBNETS = ['mgmt', 'vm-web', 'vmotion-1', 'vmotion-2', 'vmotion-3', 'xen-10', 'xen-20'];
const ESXI_HOSTS = ['esx01', 'esx02'];
const LINUX_HOSTS = ['xen1', 'ovm1'];
const VMS = ['4210a1b2-0c3d-4e5f-8a9b-000000000001', '4210a1b2-0c3d-4e5f-8a9b-000000000002', '4210a1b2-0c3d-4e5f-8a9b-000000000003', '4210a1b2-0c3d-4e5f-8a9b-000000000010'];
/** Addresses of subnet mgmt that are taken: gateway, two reservations, three hosts. */
const MGMT_TAKEN = ['10.1.1.1', '10.1.1.10', '10.1.1.11', '10.1.1.51', '10.1.1.52', '10.1.1.101'];
const GATEWAYS = ['10.1.1.1', '10.50.0.1', '10.51.0.1', '2001:db8:50::1', '192.168.10.1', '192.168.20.1'];
const TOKEN_NAMES = ['fuzz-admin', 'fuzz-operator', 'fuzz-viewer'];

/** Valid names of nothing. */
const MISSING_NAMES = ['nope', 'no-such-thing', 'ghost.1', 'zz_missing', 'X9', 'dc1-trunk2', 'mgmt-old'];
const MISSING_UUIDS = ['4210a1b2-0c3d-4e5f-8a9b-0000000000f1', 'deadbeef-0000-4000-8000-000000000000', '00000000-0000-0000-0000-000000000000'];
/** Valid addresses with no record. */
const MISSING_ADDRESSES = ['10.9.9.9', '10.1.1.77', '192.168.10.99', '2001:db8:50::ffff', '::', '::ffff:10.1.1.1', '172.16.1.200'];

/** Values that pass the schemas' length checks but no name check (see checkName: space and '/' only inside, singly). */
const BAD_NAME_VALUES = ['a  b', '-x', '.x', '_x', 'ä', 'x/', 'x//y', 'x\u0000', ' x', 'x ', 'x!', 'tab\there', 'semi;colon', '名前'];
/** Encoded path segments that name nothing (none is a dot segment, which fetch would normalize away). */
const JUNK_SEGMENTS = ['a%20b', '%ZZ', '%00', '%E0%A4%A', '%FF', '%2F', 'a%2Fb', 'x'.repeat(300), 'x'.repeat(4000), 'nope', '-x', '%F0%9F%92%A9', '%3Cscript%3E', '%27%3B--', 'null', 'undefined', '%25', '~x', '*', '$', 'NOPE', '%C3%A4'];
/** Encoded path segments that are not valid names (checkName refuses every one). */
const BAD_NAME_SEGMENTS = ['a%20%20b', '-x', '_x', '%C3%A4', '%00', 'x'.repeat(254), 'x'.repeat(300), '%ZZ', '%2F', 'a%2F', '%3Cscript%3E', '*', '~x', '$'];
const BAD_UUID_SEGMENTS = [
  'not-a-uuid',
  '4210a1b2-0c3d-4e5f-8a9b-00000000001',
  '4210a1b2-0c3d-4e5f-8a9b-0000000000001',
  'g210a1b2-0c3d-4e5f-8a9b-000000000001',
  '4210a1b20c3d4e5f8a9b000000000001',
  '%7B4210a1b2-0c3d-4e5f-8a9b-000000000001%7D',
  '4210a1b2-0c3d-4e5f-8a9b-00000000000z',
  'x'.repeat(65),
  '%00',
  '%ZZ',
  '0',
  '-1',
  'a%20b',
];
const BAD_ADDRESS_SEGMENTS = [
  '1.2.3',
  '::g',
  'fe80::1%25eth0',
  '010.1.1.1',
  '10.01.1.1',
  '10.1.1.256',
  '1.2.3.4.5',
  '0x0a.1.1.1',
  'localhost',
  'x',
  '-1',
  '10.1.1.1%2F24',
  '2001:db8::1::',
  '1:2:3:4:5:6:7:8:9',
  '%ZZ',
  '%00',
  '10.1.1.',
  'x'.repeat(65),
  '10.1.1.1%2C10.1.1.2',
  '%20',
  '00:50:56:aa:bb:cc',
];
const BAD_ADDRESS_VALUES = ['1.2.3', '::g', 'fe80::1%eth0', '010.1.1.1', '10.01.1.1', '10.1.1.256', '1.2.3.4.5', 'x', '', ' ', '10.1.1.1/24', '2001:db8::1::', '10.1.1.', 'localhost'];
const BAD_TAG_KEYS = ['1abc', '-x', 'a%20b', '_x', 'x'.repeat(64), '%C3%A4', '%00', 'a%2Fb', '.x', 'key!', '%ZZ'];

// ---------------------------------------------------------------------------------------------
// Bodies: every schema of src/api/schemas.ts, each with a base the server refuses on its own.

type Kind =
  | { t: 'name' }
  | { t: 'text'; max: number }
  | { t: 'int' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'bool' }
  | { t: 'strings'; maxItems: number; maxLen: number }
  | { t: 'owner' }
  | { t: 'vnics' }
  | { t: 'list'; maxItems: number };

interface Field {
  kind: Kind;
  required?: boolean;
  nullable?: boolean;
}

interface BodySpec {
  schema: string;
  method: string;
  path: string;
  /** Valid for the schema, and refused by the service with `baseStatus`. */
  base: Json;
  baseStatus: number;
  fields: Record<string, Field>;
}

const NAME: Kind = { t: 'name' };
const INT: Kind = { t: 'int' };
const text = (max: number): Kind => ({ t: 'text', max });
const oneOf = (...values: string[]): Kind => ({ t: 'enum', values });

const BODY_SPECS: BodySpec[] = [
  {
    schema: 'WireCreate',
    method: 'POST',
    path: '/api/v1/wires',
    base: { name: 'dc1-trunk', mtu: 1500, description: 'fuzz' },
    baseStatus: 409,
    fields: { name: { kind: NAME, required: true }, mtu: { kind: INT }, description: { kind: text(500) } },
  },
  {
    schema: 'WireUpdate',
    method: 'PATCH',
    path: '/api/v1/wires/nope',
    base: { mtu: 1500, description: 'fuzz' },
    baseStatus: 404,
    fields: { mtu: { kind: INT }, description: { kind: text(500) } },
  },
  {
    schema: 'SubnetCreate',
    method: 'POST',
    path: '/api/v1/subnets',
    base: { name: 'fuzz-net', cidr: '10.1.1.0/24', space: 'default', wire: 'dc1-trunk', vlan: 100, gateway: '10.1.1.1', dns: ['10.1.1.10'], domain: 'fuzz.example.net', pools: ['10.1.1.50-10.1.1.60'], policy: 'lowest', holdDownSeconds: 0 },
    baseStatus: 409,
    fields: {
      name: { kind: NAME, required: true },
      cidr: { kind: text(64), required: true },
      space: { kind: NAME },
      wire: { kind: NAME, required: true },
      vlan: { kind: INT },
      gateway: { kind: text(64), nullable: true },
      dns: { kind: { t: 'strings', maxItems: 16, maxLen: 64 } },
      domain: { kind: text(253), nullable: true },
      pools: { kind: { t: 'strings', maxItems: 64, maxLen: 200 } },
      policy: { kind: oneOf('lowest', 'highest', 'random') },
      holdDownSeconds: { kind: INT },
    },
  },
  {
    schema: 'SubnetUpdate',
    method: 'PATCH',
    path: '/api/v1/subnets/nope',
    base: { wire: 'dc1-trunk', vlan: 1, gateway: null, dns: [], domain: null, pools: [], policy: 'random', holdDownSeconds: 5 },
    baseStatus: 404,
    fields: {
      wire: { kind: NAME },
      vlan: { kind: INT },
      gateway: { kind: text(64), nullable: true },
      dns: { kind: { t: 'strings', maxItems: 16, maxLen: 64 } },
      domain: { kind: text(253), nullable: true },
      pools: { kind: { t: 'strings', maxItems: 64, maxLen: 200 } },
      policy: { kind: oneOf('lowest', 'highest', 'random') },
      holdDownSeconds: { kind: INT },
    },
  },
  {
    schema: 'AllocationRequest',
    method: 'POST',
    path: '/api/v1/subnets/mgmt/allocations',
    base: { address: '10.1.1.1', owner: { kind: 'manual', id: 'fuzz' }, note: 'fuzz' },
    baseStatus: 409,
    fields: { count: { kind: INT }, address: { kind: text(64) }, owner: { kind: { t: 'owner' } }, note: { kind: text(500) } },
  },
  {
    schema: 'Reservation',
    method: 'POST',
    path: '/api/v1/ips/10.1.1.1/reservation',
    base: { subnet: 'mgmt', note: 'fuzz' },
    baseStatus: 409,
    fields: { subnet: { kind: NAME }, note: { kind: text(500) } },
  },
  {
    schema: 'HostPut',
    method: 'PUT',
    path: '/api/v1/hosts/esx01',
    // esx01 has ESXi interfaces declared: changing its platform is a conflict.
    base: { platform: 'kvm', osFamily: 'netplan', cluster: 'prod', managementAddress: '10.1.1.51', hardwareUuid: null },
    baseStatus: 409,
    fields: {
      platform: { kind: oneOf('esxi', 'kvm', 'xen', 'ovm'), required: true },
      osFamily: { kind: oneOf('rhel', 'debian', 'ifupdown2', 'netplan', 'networkmanager', 'esxi') },
      cluster: { kind: NAME, nullable: true },
      managementAddress: { kind: text(64), nullable: true },
      hardwareUuid: { kind: text(64), nullable: true },
    },
  },
  {
    schema: 'InterfacesPut',
    method: 'PUT',
    path: '/api/v1/hosts/nope/interfaces',
    base: { interfaces: [] },
    baseStatus: 404,
    fields: { interfaces: { kind: { t: 'list', maxItems: 512 }, required: true } },
  },
  {
    schema: 'VmPut',
    method: 'PUT',
    path: '/api/v1/vms/not-a-uuid',
    base: {
      name: 'fuzz-vm',
      biosUuid: null,
      host: 'esx01',
      powerState: 'poweredOn',
      toolsState: 'running',
      vnics: [{ mac: '00:50:56:aa:bb:cc', portgroup: 'VM Network', networkName: 'VM Network', connected: true, observedIps: ['10.50.0.5'] }],
    },
    baseStatus: 400,
    fields: {
      name: { kind: text(255), required: true },
      biosUuid: { kind: text(64), nullable: true },
      host: { kind: NAME, nullable: true },
      powerState: { kind: oneOf('poweredOn', 'poweredOff', 'suspended', 'unknown') },
      toolsState: { kind: oneOf('running', 'notRunning', 'notInstalled', 'unknown') },
      vnics: { kind: { t: 'vnics' } },
    },
  },
  {
    schema: 'TagValue',
    method: 'PUT',
    path: '/api/v1/tags/wire/nope/fuzz-key',
    base: { value: 'v' },
    baseStatus: 404,
    fields: { value: { kind: text(65_536), required: true } },
  },
  {
    schema: 'TokenCreate',
    method: 'POST',
    path: '/api/v1/tokens',
    base: { role: 'viewer', name: 'fuzz-admin' },
    baseStatus: 409,
    fields: { role: { kind: oneOf('viewer', 'operator', 'admin'), required: true }, name: { kind: NAME } },
  },
  {
    schema: 'SpaceCreate',
    method: 'POST',
    path: '/api/v1/spaces',
    base: { name: 'default', description: 'fuzz' },
    baseStatus: 409,
    fields: { name: { kind: NAME, required: true }, description: { kind: text(500) } },
  },
];

/** Endpoints that refuse any body at all, an empty object or a salvaged fragment included. */
const EMPTY_SAFE_TARGETS: [string, string][] = [
  ['POST', '/api/v1/wires'],
  ['PATCH', '/api/v1/wires/nope'],
  ['POST', '/api/v1/subnets'],
  ['PATCH', '/api/v1/subnets/nope'],
  ['POST', '/api/v1/subnets/nope/allocations'],
  ['POST', '/api/v1/ips/192.0.2.1/reservation'],
  ['PUT', '/api/v1/hosts/fuzz-host'],
  ['PUT', '/api/v1/hosts/nope/interfaces'],
  ['PUT', `/api/v1/vms/${MISSING_UUIDS[0]}`],
  ['PUT', '/api/v1/tags/wire/nope/k'],
  ['POST', '/api/v1/tokens'],
  ['POST', '/api/v1/spaces'],
];

const NOT_STRINGS: unknown[] = [0, 1, -1, 1.5, true, false, [], ['x'], {}, { a: 1 }];

/** A value the field's schema refuses. */
function wrongValue(r: Rng, field: Field): unknown {
  const nulls = field.nullable ? [] : [null];
  const kind = field.kind;
  switch (kind.t) {
    case 'name':
      return r.pick([...NOT_STRINGS, ...nulls, '', 'x'.repeat(254), 'n'.repeat(300), huge(r)]);
    case 'text':
      return r.pick([...NOT_STRINGS, ...nulls, 'x'.repeat(kind.max + 1), huge(r)]);
    case 'int':
      return r.pick(['1', '', 'abc', '1e3', true, false, [], [1], {}, 1.5, -0.5, 1e-9, 1e20, -1e20, 2 ** 53, ...nulls]);
    case 'enum': {
      const first = kind.values[0]!;
      return r.pick(['nope', '', ' ', first.toUpperCase(), `${first} `, 1, true, [], {}, [first], ...nulls]);
    }
    case 'bool':
      return r.pick(['true', 'false', 1, 0, [], {}, ...nulls]);
    case 'strings':
      return r.pick(['10.1.1.1', 1, true, {}, [1], [null], [{}], [['x']], Array.from({ length: kind.maxItems + 1 }, () => '10.1.1.1'), ['x'.repeat(kind.maxLen + 1)], ...nulls]);
    case 'owner':
      return r.pick([
        'manual',
        1,
        true,
        [],
        null,
        {},
        { kind: 'nope' },
        { kind: 'MANUAL' },
        { kind: 'manual', extra: 1 },
        { id: 'x' },
        { kind: 'manual', id: 5 },
        { kind: 1 },
        { kind: 'manual', id: 'x'.repeat(201) },
      ]);
    case 'vnics': {
      const mac = '00:50:56:aa:bb:cc';
      return r.pick([
        'x',
        1,
        null,
        {},
        true,
        [1],
        [null],
        [{}],
        [{ mac: 5 }],
        [{ mac, bogus: 1 }],
        [{ mac, connected: 'yes' }],
        [{ mac, observedIps: '10.0.0.1' }],
        [{ mac, observedIps: Array.from({ length: 65 }, () => '10.0.0.1') }],
        [{ mac, portgroup: 5 }],
        [{ mac: 'x'.repeat(33) }],
        Array.from({ length: 65 }, (_, index) => ({ mac: `00:50:56:aa:00:${index.toString(16).padStart(2, '0')}` })),
      ]);
    }
    case 'list':
      return r.pick(['x', 1, null, {}, true, Array.from({ length: kind.maxItems + 1 }, () => ({}))]);
  }
}

const UNKNOWN_KEYS = ['id', 'createdAt', 'updatedAt', 'origin', 'sourceAccount', 'Name', 'extra', '__proto__', 'constructor', 'toString', '', 'x'.repeat(100), 'name '];

/** A body of `spec` broken in one way; its status must be 400 and it must name what is wrong. */
function mutatedBody(r: Rng): Case {
  const spec = r.pick(BODY_SPECS);
  const fieldNames = Object.keys(spec.fields);
  const label = `body:${spec.schema}`;
  const withText = (body: string, errorPath?: string): Case => ({ label, method: spec.method, path: spec.path, body, expect: [400], errorPath });
  const mode = r.pick(['wrong', 'wrong', 'wrong', 'wrong', 'missing', 'unknown', 'duplicate', 'huge', 'top', 'deep']);
  switch (mode) {
    case 'missing': {
      const required = fieldNames.filter((name) => spec.fields[name]!.required);
      if (required.length) {
        const field = r.pick(required);
        const body = { ...spec.base };
        delete body[field];
        return withText(JSON.stringify(body), field);
      }
      break;
    }
    case 'unknown': {
      const key = r.pick(UNKNOWN_KEYS.filter((name) => !fieldNames.includes(name)));
      const value = r.pick<unknown>([1, 'x', null, {}, [], true]);
      const plain = /^[A-Za-z]+$/.test(key) && key !== 'constructor' && key !== 'toString';
      return withText(`{${JSON.stringify(key)}:${JSON.stringify(value)},${JSON.stringify(spec.base).slice(1)}`, plain ? key : undefined);
    }
    case 'duplicate': {
      // JSON.parse keeps the last of two equal keys: the bad one.
      const field = r.pick(fieldNames);
      const bad = wrongValue(r, spec.fields[field]!);
      return withText(`${JSON.stringify(spec.base).slice(0, -1)},${JSON.stringify(field)}:${JSON.stringify(bad)}}`, field);
    }
    case 'huge': {
      const textFields = fieldNames.filter((name) => ['name', 'text'].includes(spec.fields[name]!.kind.t));
      if (textFields.length) {
        const field = r.pick(textFields);
        return withText(JSON.stringify({ ...spec.base, [field]: huge(r) }), field);
      }
      break;
    }
    case 'top':
      return withText(r.pick(['null', '[]', '"x"', '42', 'true', 'false', '0', '""', '[{}]', '[null]', '{"":{}}', `[${JSON.stringify(spec.base)}]`]));
    case 'deep': {
      // Deeply nested arrays or objects where a scalar belongs (never in an unknown[] list, which takes anything).
      const fields = fieldNames.filter((name) => spec.fields[name]!.kind.t !== 'list');
      if (fields.length) {
        const field = r.pick(fields);
        const depth = r.pick([64, 1_000, 10_000, 100_000]);
        const nested = r.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        return withText(`${JSON.stringify(spec.base).slice(0, -1)},${JSON.stringify(field)}:${nested}}`, field);
      }
      break;
    }
  }
  const field = r.pick(fieldNames);
  return withText(JSON.stringify({ ...spec.base, [field]: wrongValue(r, spec.fields[field]!) }), field);
}

const MALFORMED_JSON = [
  '{',
  '}',
  '{"name":',
  '{"name":"x"',
  "{'name':'x'}",
  '{name:"x"}',
  '{"name":"x",}',
  'NaN',
  'undefined',
  '',
  ' ',
  '\u0000',
  '{"a":1}}',
  '{"a":1} {"b":2}',
  '\uFEFF{"a":',
  '[1,]',
  '{"a":01}',
  '{"a":"\\x"}',
  '"unterminated',
  'tru',
  '{"a":1e}',
  '{"a":-}',
  '{"a":"\u0001"}',
  '{"a":Infinity}',
  '// comment\n{}',
];

function malformedBody(r: Rng): Case {
  const [method, path] = r.pick(EMPTY_SAFE_TARGETS);
  if (r.chance(0.15)) {
    // Not UTF-8 at all.
    const bytes = Uint8Array.from([0x7b, 0xff, 0xfe, 0x22, 0xc3, 0x28, 0x7d].slice(0, r.int(1, 7)));
    return { label: 'malformed-json', method, path, body: bytes, contentType: 'application/json', expect: [400], malformed: true };
  }
  return { label: 'malformed-json', method, path, body: r.pick(MALFORMED_JSON), expect: [400], malformed: true };
}

const CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'text/json',
  'application/jsonx',
  'application/json-seq',
  'json',
  '*/*',
  'application/*',
  'application/octet-stream',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'application/problem+json',
  'text/html',
  'image/png',
  'application/json;;;',
  'application/json, text/plain',
];

/** A body the server refuses anyway, declared as something other than plain JSON, or not declared. */
function contentTypeCase(r: Rng): Case {
  const spec = r.pick(BODY_SPECS);
  const base = JSON.stringify(spec.base);
  if (r.chance(0.2)) return { label: 'content-type:none', method: spec.method, path: spec.path, body: Buffer.from(base), malformed: true };
  const contentType = r.pick(CONTENT_TYPES);
  let body = base;
  if (contentType.startsWith('application/x-www-form')) body = new URLSearchParams(Object.entries(spec.base).map(([key, value]) => [key, String(value)])).toString();
  if (contentType.startsWith('multipart/')) body = `--fuzz\r\nContent-Disposition: form-data; name="body"\r\n\r\n${base}\r\n--fuzz--\r\n`;
  return { label: 'content-type', method: spec.method, path: spec.path, body, contentType, malformed: true };
}

// ---------------------------------------------------------------------------------------------
// Interface lists: a valid graph per platform, broken one to three ways.

type Iface = Record<string, unknown>;

const esxiGraph = (): unknown[] => [
  { kind: 'physical', name: 'vmnic0', mac: '00:50:56:99:00:00', speedMbps: 10000 },
  { kind: 'physical', name: 'vmnic1', mac: '00:50:56:99:00:01' },
  { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing: 'srcid', active: ['vmnic0'], standby: ['vmnic1'] } },
  { kind: 'portgroup', name: 'Management Network', switch: 'vSwitch0', vlan: 100 },
  { kind: 'vmk', name: 'vmk0', attachment: 'Management Network', addresses: ['10.1.1.51/24'], services: ['management'] },
];

const linuxGraph = (): unknown[] => [
  { kind: 'physical', name: 'eth0', mac: '00:16:3e:99:00:01' },
  { kind: 'physical', name: 'eth1', mac: '00:16:3e:99:00:02' },
  { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: '802.3ad', primary: 'eth0' },
  { kind: 'vlan', name: 'bond0.10', parent: 'bond0', vlan: 10 },
  { kind: 'bridge', name: 'br10', ports: ['bond0.10'], addresses: ['192.168.10.5/24'] },
];

/** Sets a property of entry `index` (entries stay objects until the last corruption, which may insert non-objects). */
const set = (list: unknown[], index: number, key: string, value: unknown) => {
  (list[index] as Iface)[key] = value;
};

type Corruption = (list: unknown[], r: Rng, esxi: boolean) => void;

const CORRUPTIONS: Corruption[] = [
  // An unknown kind.
  (list, r) => list.push({ kind: r.pick<unknown>(['nic', 'ethernet', 'tunnel', '', 'PHYSICAL', 'wifi', 5, null]), name: 'x0' }),
  // A cycle.
  (list, _r, esxi) =>
    esxi
      ? list.push({ kind: 'portgroup', name: 'pgC', switch: 'vmkC', vlan: 1 }, { kind: 'vmk', name: 'vmkC', attachment: 'pgC' })
      : list.push({ kind: 'vlan', name: 'vC', parent: 'bC', vlan: 5 }, { kind: 'bond', name: 'bC', members: ['vC'], mode: 'active-backup' }),
  // A parent that does not exist.
  (list, r, esxi) =>
    list.push(
      esxi
        ? r.pick([{ kind: 'portgroup', name: 'pgX', switch: 'vSwitch9', vlan: 5 }, { kind: 'vmk', name: 'vmk9', attachment: 'No Such PG' }, { kind: 'vswitch', name: 'vSwitch9', uplinks: ['vmnic9'] }])
        : r.pick([{ kind: 'vlan', name: 'eth9.5', parent: 'eth9', vlan: 5 }, { kind: 'bridge', name: 'brX', ports: ['ghost'] }, { kind: 'bond', name: 'bond9', members: ['eth8', 'eth9'], mode: 'active-backup' }]),
    ),
  // A bad MAC.
  (list, r) => set(list, 0, 'mac', r.pick<unknown>(['zz:zz:zz:zz:zz:zz', '00:11:22:33:44', '00:11:22:33:44:55:66', '0011.2233.4455', '', 'gg:00:00:00:00:00', '00:11:22:33:44:5', 5, null, '00_11_22_33_44_55'])),
  // A VLAN out of range: 9999 and friends.
  (list, r, esxi) => set(list, 3, 'vlan', esxi ? r.pick<unknown>([9999, 4096, -1, 1.5, '100', null]) : r.pick<unknown>([9999, 4095, 0, -1, 1.5, '10', null])),
  // The same name twice.
  (list) => list.push({ kind: 'physical', name: (list[0] as Iface).name }),
  // The same MAC twice (also as its dashed, upper-case spelling).
  (list, r) => set(list, 1, 'mac', r.chance(0.5) ? (list[0] as Iface).mac : String((list[0] as Iface).mac).toUpperCase().replaceAll(':', '-')),
  // A kind the platform does not have.
  (list, r, esxi) =>
    list.push(
      esxi
        ? r.pick([{ kind: 'bond', name: 'bondE', members: ['vmnic0'], mode: 'active-backup' }, { kind: 'bridge', name: 'br0', ports: [] }, { kind: 'vlan', name: 'v5', parent: 'vmnic0', vlan: 5 }])
        : r.pick([{ kind: 'vswitch', name: 'vs0', uplinks: [] }, { kind: 'dvswitch', name: 'dvs0', uplinks: [] }]),
    ),
  // A bad interface address.
  (list, r) => set(list, 4, 'addresses', [r.pick<unknown>(['10.1.1.0/24', '10.1.1.255/24', '10.1.1.5', '10.1.1.5/33', '1.2.3/24', '::g/64', 'fe80::1%eth0/64', '010.1.1.5/24', 'abc', '', 5, '10.1.1.5/024', '2001:db8::/64'])]),
  // An MTU out of range.
  (list, r) => set(list, r.int(0, 4), 'mtu', r.pick<unknown>([0, 67, 9217, -1, 1.5, '1500', 1e9, null])),
  // Teaming that names what is not an uplink, or a bond primary that is not a member.
  (list, r, esxi) =>
    esxi
      ? set(list, 2, 'teaming', r.pick([{ active: ['vmnic7'] }, { active: ['vmnic0'], standby: ['vmnic0'] }, { loadBalancing: 'roundrobin' }, { failureDetection: { mode: 'beacon' } }, { bogus: 1 }]))
      : set(list, 2, 'primary', r.pick(['eth7', 'bond0.10'])),
  // A trunk range upside down or out of range; a VLAN interface on VLAN 0.
  (list, r, esxi) =>
    esxi
      ? list.push({ kind: 'portgroup', name: 'Trunk', switch: 'vSwitch0', vlan: 4095, trunk: [r.pick<unknown>([{ first: 100, last: 10 }, { first: 0, last: 4095 }, { first: -1, last: 5 }, { first: 1 }])] })
      : set(list, 3, 'vlan', 0),
  // An unknown field.
  (list, r) => set(list, r.int(0, 4), r.pick(['bogus', 'Name', 'ip', 'vlanId', 'parentName']), 1),
  // A bad name.
  (list, r) => set(list, r.int(0, 4), 'name', r.pick<unknown>(['', '-x', ' x', 'x'.repeat(65), 'a/b', 'ä', 5, null, 'tab\tname'])),
  // A missing kind or name.
  (list, r) => {
    delete (list[r.int(0, 4)] as Iface)[r.pick(['kind', 'name'])];
  },
  // A value outside an enumeration.
  (list, r, esxi) => (esxi ? set(list, 4, 'services', [r.pick(['nope', 'Management', ''])]) : set(list, 2, 'mode', r.pick(['fast', '802.3AD', '', 'lacp']))),
  // Numbers out of range.
  (list, r, esxi) => (esxi ? set(list, 0, 'speedMbps', r.pick<unknown>([0, -5, 1.5, '1000'])) : set(list, 2, 'miimon', r.pick<unknown>([-1, 60001, 'x']))),
  // A description too long.
  (list, r) => set(list, r.int(0, 4), 'description', 'd'.repeat(501)),
];

/** Entries that are not objects: applied last, since the other corruptions index the entries. */
const insertNonObject: Corruption = (list, r) => list.splice(r.int(0, list.length), 0, r.pick<unknown>([1, 'eth0', null, [], true, 1.5]));

function interfacesCase(r: Rng): Case {
  const esxi = r.chance(0.5);
  const host = r.pick(esxi ? ESXI_HOSTS : LINUX_HOSTS);
  const list = esxi ? esxiGraph() : linuxGraph();
  if (r.chance(0.03)) {
    return jsonCase('interfaces', 'PUT', `/api/v1/hosts/${host}/interfaces`, { interfaces: Array.from({ length: 513 }, () => list[0]) }, { expect: [400], errorPath: 'interfaces' });
  }
  const count = r.int(1, 3);
  for (let i = 0; i < count; i++) r.pick(CORRUPTIONS)(list, r, esxi);
  if (r.chance(0.1)) insertNonObject(list, r, esxi);
  return jsonCase('interfaces', 'PUT', `/api/v1/hosts/${host}/interfaces`, { interfaces: list }, { expect: [400], errorPath: 'interfaces' });
}

// ---------------------------------------------------------------------------------------------
// Well-formed requests that must fail in the services: missing objects (404), conflicts (409),
// values out of range or addresses that do not parse (400).

/** Only for choices made while listing the semantic cases. */
const r0 = new Rng(SEED ^ 0x1234);

function semanticCases(): Case[] {
  const cases: Case[] = [];
  const add = (status: number | number[], method: string, path: string, body?: unknown, extra: Partial<Case> = {}) =>
    cases.push({ label: `semantic:${Array.isArray(status) ? status.join('/') : status}`, method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }), expect: Array.isArray(status) ? status : [status], ...extra });

  // Wires.
  for (const wire of WIRES) add(409, 'POST', '/api/v1/wires', { name: wire });
  for (const wire of WIRES) add(409, 'DELETE', `/api/v1/wires/${wire}`);
  for (const mtu of [0, 67, 9217, -1, 1e9]) add(400, 'POST', '/api/v1/wires', { name: 'dc1-trunk', mtu }, { errorPath: 'mtu' });
  for (const mtu of [0, 67, 9217, -1, 1e9]) add(400, 'PATCH', '/api/v1/wires/dc1-trunk', { mtu }, { errorPath: 'mtu' });
  for (const name of BAD_NAME_VALUES) add(400, 'POST', '/api/v1/wires', { name }, { errorPath: 'name' });
  for (const name of MISSING_NAMES) add(404, 'PATCH', `/api/v1/wires/${name}`, { mtu: 1500 });
  for (const name of MISSING_NAMES) add(404, 'DELETE', `/api/v1/wires/${name}`);
  for (const name of MISSING_NAMES) add(404, 'GET', `/api/v1/wires/${name}`);

  // Subnets: CIDRs that do not parse, overlaps, duplicate names, bad fields.
  const badCidrs = ['10.1.1.1/24', '10.0.0.0/33', '1.2.3/24', '::g/64', 'fe80::1%eth0/64', '010.1.1.0/24', '10.1.1.0/024', '10.1.1.0', '10.1.1.0/', '10.1.1.0/-1', '10.1.1.0/24/24', '2001:db8::/129', '256.0.0.0/8', 'abc', '', ' ', '10.1.1.0/ 24', '2001:db8::1/64', '10.1.1.0/+24', '0x0a.0.0.0/8'];
  for (const cidr of badCidrs) add(400, 'POST', '/api/v1/subnets', { name: 'fuzz-cidr', wire: 'dc1-trunk', cidr }, { errorPath: 'cidr' });
  const overlapping = ['10.1.0.0/16', '10.1.1.128/25', '10.1.1.77/32', '0.0.0.0/0', '10.0.0.0/8', '2001:db8::/32', '2001:db8:50::/64', '2001:db8:50::/96', '::/0', '10.50.1.0/24', '172.16.0.0/12', '192.168.0.0/16', '10.1.1.0/24'];
  for (const cidr of overlapping) add(409, 'POST', '/api/v1/subnets', { name: 'fuzz-overlap', wire: r0.pick(WIRES), cidr });
  for (const subnet of SUBNETS) add(409, 'POST', '/api/v1/subnets', { name: subnet, wire: 'dc1-trunk', cidr: '10.201.0.0/24' });
  // One bad field each; the CIDR overlaps mgmt, so a field that slipped through would still be refused (409).
  const badSubnetFields: [string, unknown][] = [
    ['vlan', 4095],
    ['vlan', -1],
    ['vlan', 1e9],
    ['gateway', '10.2.0.1'],
    ['gateway', '10.1.1.0'],
    ['gateway', '10.1.1.255'],
    ['gateway', '1.2.3'],
    ['gateway', '2001:db8::1'],
    ['gateway', 'fe80::1%eth0'],
    ['dns', ['1.2.3']],
    ['dns', ['10.1.1.10/32']],
    ['domain', '-bad-.example'],
    ['domain', 'a..b'],
    ['domain', `${'x'.repeat(64)}.com`],
    ['domain', 'under_score.example'],
    ['pools', ['10.1.1.0-10.1.1.10']],
    ['pools', ['10.1.1.200-10.1.1.100']],
    ['pools', ['10.1.2.1-10.1.2.10']],
    ['pools', ['10.1.1.10-10.1.1.20', '10.1.1.15-10.1.1.30']],
    ['pools', ['2001:db8::1-2001:db8::5']],
    ['pools', ['10.1.1.10']],
    ['pools', ['10.1.1.10-10.1.1.20-10.1.1.30']],
    ['pools', ['10.1.1.250-10.1.1.255']],
    ['holdDownSeconds', -1],
    ['holdDownSeconds', 604_801],
    ['wire', 'nope'],
    ['wire', 'a  b'],
    ['space', 'nope'],
    ['space', 'a  b'],
    ['name', 'a  b'],
  ];
  for (const [field, value] of badSubnetFields) add(400, 'POST', '/api/v1/subnets', { name: 'fuzz-field', wire: 'dc1-trunk', cidr: '10.1.1.0/24', [field]: value }, { errorPath: field });
  for (const [field, value] of badSubnetFields) {
    if (field === 'space' || field === 'name') continue;
    add(400, 'PATCH', '/api/v1/subnets/mgmt', { [field]: value }, { errorPath: field });
  }
  for (const gateway of ['10.1.1.10', '10.1.1.11', '10.1.1.51', '10.1.1.101']) add(409, 'PATCH', '/api/v1/subnets/mgmt', { gateway }, { errorPath: 'gateway' });
  for (const subnet of SUBNETS) add(409, 'DELETE', `/api/v1/subnets/${subnet}`);
  for (const name of MISSING_NAMES) add(404, 'PATCH', `/api/v1/subnets/${name}`, { vlan: 5 });
  for (const name of MISSING_NAMES) add(404, 'DELETE', `/api/v1/subnets/${name}`);
  for (const name of MISSING_NAMES) add(404, 'GET', `/api/v1/subnets/${name}`);

  // Allocations: taken addresses, special addresses, counts out of range or more than is free.
  for (const address of MGMT_TAKEN) add(409, 'POST', '/api/v1/subnets/mgmt/allocations', { address, note: 'fuzz' }, { errorPath: 'address' });
  for (const address of ['10.1.1.0', '10.1.1.255', '10.2.0.1', '2001:db8::1', '::ffff:10.1.1.77', '172.16.1.5']) add(400, 'POST', '/api/v1/subnets/mgmt/allocations', { address }, { errorPath: 'address' });
  for (const address of BAD_ADDRESS_VALUES) add(400, 'POST', '/api/v1/subnets/mgmt/allocations', { address }, { errorPath: 'address' });
  for (const count of [0, -1, 65_537, 100_000, 1e9]) add(400, 'POST', '/api/v1/subnets/mgmt/allocations', { count }, { errorPath: 'count' });
  for (const count of [1.5, '1', '', null, true]) add(400, 'POST', '/api/v1/subnets/mgmt/allocations', { count }, { errorPath: 'count' });
  for (const subnet of [...SMALL_SUBNETS, 'vm-db']) add(409, 'POST', `/api/v1/subnets/${subnet}/allocations`, { count: 65_536 }, { errorPath: 'count' });
  add(409, 'POST', '/api/v1/subnets/xen-10/allocations', { address: '192.168.10.5' });
  add(409, 'POST', '/api/v1/subnets/vm-v6/allocations', { address: '2001:db8:50::1' });
  add(400, 'POST', '/api/v1/subnets/mgmt/allocations', { count: 1, address: '10.1.1.77' }, { errorPath: 'address' });
  for (const name of MISSING_NAMES) add(404, 'POST', `/api/v1/subnets/${name}/allocations`, { count: 1 });
  for (const name of BAD_NAME_SEGMENTS) add([400, 404], 'POST', `/api/v1/subnets/${name}/allocations`, { count: 1 });

  // Reservations and releases.
  for (const address of MGMT_TAKEN) add(409, 'POST', `/api/v1/ips/${address}/reservation`, { note: 'fuzz' });
  for (const address of GATEWAYS) add(409, 'POST', `/api/v1/ips/${enc(address)}/reservation`, {});
  add(400, 'POST', '/api/v1/ips/8.8.8.8/reservation', {});
  add(400, 'POST', '/api/v1/ips/10.1.1.0/reservation', {});
  add(400, 'POST', '/api/v1/ips/10.1.1.255/reservation', {});
  add(400, 'POST', '/api/v1/ips/10.1.1.77/reservation', { subnet: 'xen-10' });
  add(400, 'POST', '/api/v1/ips/10.1.1.77/reservation', { subnet: 'a  b' });
  add(400, 'POST', '/api/v1/ips/10.1.1.77/reservation', { note: 'n'.repeat(501) });
  for (const name of MISSING_NAMES) add(404, 'POST', '/api/v1/ips/10.1.1.77/reservation', { subnet: name });
  for (const address of BAD_ADDRESS_SEGMENTS) add(400, 'POST', `/api/v1/ips/${address}/reservation`, {});
  for (const address of GATEWAYS) add(409, 'DELETE', `/api/v1/ips/${enc(address)}`);
  for (const address of MISSING_ADDRESSES) add(404, 'DELETE', `/api/v1/ips/${enc(address)}`);
  for (const address of BAD_ADDRESS_SEGMENTS) add(400, 'DELETE', `/api/v1/ips/${address}`);
  for (const space of ['nope', 'a%20b', '', 'x'.repeat(254)]) add(400, 'DELETE', `/api/v1/ips/10.1.1.51?space=${space}`);
  for (const address of MISSING_ADDRESSES) add(404, 'GET', `/api/v1/ips/${enc(address)}`);
  for (const address of BAD_ADDRESS_SEGMENTS) add(400, 'GET', `/api/v1/ips/${address}`);

  // Hosts: a bad field each; the platform change of a host with interfaces would still be a conflict.
  const badHostFields: Json[] = [
    { cluster: 'a  b' },
    { cluster: '-x' },
    { cluster: '.x' },
    { managementAddress: '1.2.3' },
    { managementAddress: '10.1.1.1/24' },
    { managementAddress: 'fe80::1%eth0' },
    { managementAddress: '010.1.1.1' },
    { hardwareUuid: 'zz' },
    { hardwareUuid: '4210a1b2-0c3d-4e5f-8a9b' },
  ];
  for (const host of ESXI_HOSTS) {
    for (const platform of ['kvm', 'xen', 'ovm']) {
      add(409, 'PUT', `/api/v1/hosts/${host}`, { platform }, { errorPath: 'platform' });
      add(400, 'PUT', `/api/v1/hosts/${host}`, { platform, osFamily: 'esxi' }, { errorPath: 'osFamily' });
      for (const bad of badHostFields) add(400, 'PUT', `/api/v1/hosts/${host}`, { platform, ...bad }, { errorPath: Object.keys(bad)[0] });
    }
  }
  for (const host of LINUX_HOSTS) {
    add(409, 'PUT', `/api/v1/hosts/${host}`, { platform: 'esxi' }, { errorPath: 'platform' });
    add(400, 'PUT', `/api/v1/hosts/${host}`, { platform: 'esxi', osFamily: 'rhel' }, { errorPath: 'osFamily' });
    for (const bad of badHostFields) add(400, 'PUT', `/api/v1/hosts/${host}`, { platform: 'esxi', ...bad }, { errorPath: Object.keys(bad)[0] });
  }
  for (const name of BAD_NAME_SEGMENTS) add(400, 'PUT', `/api/v1/hosts/${name}`, { platform: 'kvm' });
  for (const name of MISSING_NAMES) add(404, 'PUT', `/api/v1/hosts/${name}/interfaces`, { interfaces: esxiGraph() });
  for (const name of MISSING_NAMES) add(404, 'GET', `/api/v1/hosts/${name}`);

  // VMs: a new UUID with one bad field each.
  const badVms: [Json, string][] = [
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'v', host: 'nope' }, 'host'],
    [{ name: 'v', host: 'a  b' }, 'host'],
    [{ name: 'v', host: 'esx01', vnics: [{ mac: '00:50:56:aa:bb:01', portgroup: 'No Such PG' }] }, 'vnics.0.portgroup'],
    [{ name: 'v', vnics: [{ mac: '00:50:56:aa:bb:01', portgroup: 'VM Network' }] }, 'vnics.0.portgroup'],
    [{ name: 'v', host: 'xen1', vnics: [{ mac: '00:16:3e:20:00:99', portgroup: 'VM Network' }] }, 'vnics.0.portgroup'],
    [{ name: 'v', vnics: [{ mac: 'zz:zz:zz:zz:zz:zz' }] }, 'vnics.0.mac'],
    [{ name: 'v', vnics: [{ mac: '' }] }, 'vnics.0.mac'],
    [{ name: 'v', vnics: [{ mac: '00:50:56:aa:bb' }] }, 'vnics.0.mac'],
    [{ name: 'v', vnics: [{ mac: '00:50:56:aa:bb:01' }, { mac: '00-50-56-AA-BB-01' }] }, 'vnics.1.mac'],
    [{ name: 'v', vnics: [{ mac: '00:50:56:aa:bb:01', observedIps: ['1.2.3'] }] }, 'vnics.0.observedIps.0'],
    [{ name: 'v', vnics: [{ mac: '00:50:56:aa:bb:01', observedIps: ['10.0.0.1/24'] }] }, 'vnics.0.observedIps.0'],
    [{ name: 'v', biosUuid: 'zz' }, 'biosUuid'],
  ];
  for (const uuid of MISSING_UUIDS) for (const [body, errorPath] of badVms) add(400, 'PUT', `/api/v1/vms/${uuid}`, body, { errorPath });
  for (const uuid of BAD_UUID_SEGMENTS) add(400, 'PUT', `/api/v1/vms/${uuid}`, { name: 'fuzz-vm' });
  for (const uuid of BAD_UUID_SEGMENTS) add(400, 'GET', `/api/v1/vms/${uuid}`);
  for (const uuid of MISSING_UUIDS) add(404, 'GET', `/api/v1/vms/${uuid}`);

  // Tags.
  for (const kind of ['wire', 'subnet', 'host']) for (const name of MISSING_NAMES) add(404, 'PUT', `/api/v1/tags/${kind}/${name}/k`, { value: 'v' });
  for (const uuid of MISSING_UUIDS) add(404, 'PUT', `/api/v1/tags/vm/${uuid}/k`, { value: 'v' });
  for (const address of MISSING_ADDRESSES) add(404, 'PUT', `/api/v1/tags/address/${enc(address)}/k`, { value: 'v' });
  for (const address of BAD_ADDRESS_SEGMENTS) add([400, 404], 'PUT', `/api/v1/tags/address/${address}/k`, { value: 'v' });
  for (const uuid of BAD_UUID_SEGMENTS) add(400, 'PUT', `/api/v1/tags/vm/${uuid}/k`, { value: 'v' });
  for (const name of BAD_NAME_SEGMENTS) add([400, 404], 'PUT', `/api/v1/tags/wire/${name}/k`, { value: 'v' });
  for (const key of BAD_TAG_KEYS) add(400, 'PUT', `/api/v1/tags/wire/dc1-trunk/${key}`, { value: 'v' });
  for (const key of BAD_TAG_KEYS) add(400, 'DELETE', `/api/v1/tags/vm/${VMS[2]}/${key}`);
  for (const kind of ['nope', 'Wire', 'space', 'token', 'interface', 'vnic']) add(400, 'PUT', `/api/v1/tags/${kind}/dc1-trunk/k`, { value: 'v' });
  for (const kind of ['nope', 'Wire', 'space', 'token']) add(400, 'GET', `/api/v1/tags/${kind}/dc1-trunk`);
  add(400, 'PUT', '/api/v1/tags/wire/dc1-trunk/k', { value: 'x'.repeat(65_537) }, { errorPath: 'value' });
  for (const key of ['nope', 'sync_ip', 'SYNC_IPS']) add(404, 'DELETE', `/api/v1/tags/vm/${VMS[2]}/${key}`);
  for (const name of MISSING_NAMES) add(404, 'DELETE', `/api/v1/tags/wire/${name}/k`);
  for (const name of MISSING_NAMES) add(404, 'GET', `/api/v1/tags/subnet/${name}`);

  // Tokens and spaces.
  for (const name of TOKEN_NAMES) add(409, 'POST', '/api/v1/tokens', { role: 'admin', name }, { errorPath: 'name' });
  for (const role of ['root', 'Admin', '', 'superuser']) add(400, 'POST', '/api/v1/tokens', { role }, { errorPath: 'role' });
  for (const name of BAD_NAME_VALUES) add(400, 'POST', '/api/v1/tokens', { role: 'viewer', name }, { errorPath: 'name' });
  for (const name of MISSING_NAMES) add(404, 'DELETE', `/api/v1/tokens/${name}`);
  add(409, 'POST', '/api/v1/spaces', { name: 'default' }, { errorPath: 'name' });
  for (const name of BAD_NAME_VALUES) add(400, 'POST', '/api/v1/spaces', { name }, { errorPath: 'name' });
  add(400, 'POST', '/api/v1/spaces', { name: 'default', description: 'd'.repeat(501) }, { errorPath: 'description' });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Query strings.

interface ListEndpoint {
  path: string;
  cursor: 'string' | 'pair' | 'number' | 'none';
  /** Bad values per parameter; `[value, statuses]` where the status is not simply 400. */
  params: Record<string, (string | [string, number[]])[]>;
}

const LIMITS = ['0', '-1', 'abc', '100000', '1001', '1.5', '', '1e3', '0x10', '%20', '10000000', '%2B5', '%205', '%ZZ', '5%00'];
const BAD_CURSORS_ANY = [b64('{}'), b64('null'), b64('true'), b64('[]'), b64('[1,2,3]'), b64('{"a":1}'), b64('"x'), 'garbage!', '%%%', '', '%ZZ', '%00', 'x'.repeat(501), b64('[[]]')];
const BAD_CURSORS: Record<ListEndpoint['cursor'], string[]> = {
  string: [...BAD_CURSORS_ANY, b64('5'), b64('["a","b"]'), b64('1.5')],
  pair: [...BAD_CURSORS_ANY, b64('"x"'), b64('5'), b64('["a"]'), b64('["a","b","c"]'), b64('[1,2]')],
  number: [...BAD_CURSORS_ANY, b64('"x"'), b64('1.5'), b64('-1'), b64('0'), b64('1e400'), b64('9007199254740993'), b64('["a","b"]')],
  none: [],
};
const TIMES = ['yesterday', 'now', 'tomorrow', 'not-a-date', '', '2026-13-01', 'x'.repeat(41), '2026-01-01T25:00:00Z', 'NaN', 'null', '2026-01-32', 'last%20week', '12%2F45%2F2020'];
const long = (n: number) => 'q'.repeat(n);

const LIST_ENDPOINTS: ListEndpoint[] = [
  { path: '/api/v1/wires', cursor: 'string', params: { q: [long(201)] } },
  { path: '/api/v1/subnets', cursor: 'string', params: { vlan: ['abc', '-1', '4095', '9999', '1.5', '', '0x1', '10000'], wire: ['', long(254)], q: [long(201)] } },
  {
    path: '/api/v1/ips',
    cursor: 'pair',
    params: { state: ['nope', 'ALLOCATED', '', 'free'], subnet: ['', long(254), ['nope', [404]], ['a%20b', [404]]], space: ['', long(254)] },
  },
  { path: '/api/v1/hosts', cursor: 'string', params: { cluster: ['', long(254)], q: [long(201)] } },
  { path: '/api/v1/host-interfaces', cursor: 'pair', params: { vlan: ['abc', '-1', '4096', '9999', '', '1.5'], kind: ['nope', 'PHYSICAL', '', long(21)], host: ['', long(254)] } },
  { path: '/api/v1/port-groups', cursor: 'pair', params: { vlan: ['abc', '-1', '4096', '9999', '', '1.5'], host: ['', long(254)] } },
  { path: '/api/v1/vms', cursor: 'string', params: { host: ['', long(254)], q: [long(201)] } },
  { path: '/api/v1/vnics', cursor: 'number', params: { vm: ['zz', 'not-a-uuid', '', long(65)], host: ['', long(254)] } },
  { path: '/api/v1/changes', cursor: 'number', params: { since: TIMES, until: TIMES, kind: [long(21)], object: [long(201)] } },
];
const IPS_PAIR_CURSORS = [b64('["mgmt","nope"]'), b64('["mgmt","10.1.1"]'), b64('["mgmt",""]')];

function queryCase(r: Rng): Case {
  const endpoint = r.pick(LIST_ENDPOINTS);
  const choices: [string, string, number[]][] = [];
  for (const limit of LIMITS) choices.push(['limit', limit, [400]]);
  for (const cursor of BAD_CURSORS[endpoint.cursor]) choices.push(['cursor', cursor, [400]]);
  if (endpoint.path === '/api/v1/ips') for (const cursor of IPS_PAIR_CURSORS) choices.push(['cursor', cursor, [400]]);
  for (const [param, values] of Object.entries(endpoint.params)) {
    for (const value of values) choices.push(typeof value === 'string' ? [param, value, [400]] : [param, value[0], value[1]]);
  }
  const [param, value, statuses] = r.pick(choices);
  const parts = [`${param}=${value}`];
  // Sometimes alongside harmless parameters, or the same parameter twice.
  if (r.chance(0.3)) parts.push(r.pick(['limit=10', 'foo=bar', 'q=', '_=1', 'utm_source=fuzz']));
  if (r.chance(0.1)) parts.push(`${param}=${value}`);
  if (r.chance(0.5)) parts.reverse();
  const auth: Auth = r.pick(['admin', 'operator', 'viewer']);
  return { label: 'query', method: 'GET', path: `${endpoint.path}?${parts.join('&')}`, auth, expect: statuses.includes(404) ? [400, 404] : [400] };
}

// ---------------------------------------------------------------------------------------------
// Paths: parameters that are not names, UUIDs or addresses; unknown routes; wrong methods.

function pathCase(r: Rng): Case {
  const auth: Auth = r.pick(['admin', 'operator', 'viewer']);
  const kind = r.int(0, 7);
  const label = 'path-param';
  switch (kind) {
    case 0:
      return { label, method: 'GET', path: `/api/v1/${r.pick(['wires', 'subnets', 'hosts'])}/${r.pick(JUNK_SEGMENTS)}`, auth, expect: [400, 404] };
    case 1:
      return { label, method: 'GET', path: `/api/v1/vms/${r.pick(BAD_UUID_SEGMENTS)}`, auth, expect: [400] };
    case 2:
      return { label, method: 'GET', path: `/api/v1/ips/${r.pick(BAD_ADDRESS_SEGMENTS)}`, auth, expect: [400] };
    case 3:
      return { label, method: 'DELETE', path: `/api/v1/${r.pick(['wires', 'subnets', 'tokens'])}/${r.pick(JUNK_SEGMENTS)}`, expect: [400, 404] };
    case 4:
      return { label, method: 'DELETE', path: `/api/v1/ips/${r.pick(BAD_ADDRESS_SEGMENTS)}`, auth: r.pick(['admin', 'operator']), expect: [400] };
    case 5:
      return jsonCase(label, 'PUT', `/api/v1/hosts/${r.pick(BAD_NAME_SEGMENTS)}`, { platform: r.pick(['kvm', 'xen', 'esxi']) }, { expect: [400] });
    case 6:
      return jsonCase(label, 'PATCH', `/api/v1/${r.pick(['wires', 'subnets'])}/${r.pick(JUNK_SEGMENTS)}`, r.pick([{ mtu: 1500 }, { vlan: 5 }, { description: 'x' }]), { expect: [400, 404] });
    default:
      if (r.chance(0.3)) return { label, method: 'GET', path: `/api/v1/syncs/${r.pick([...JUNK_SEGMENTS, '0', '-1', '1.5', '1e3', '0x10', '9'.repeat(40)])}`, auth, expect: [400, 404] };
      return { label, method: 'GET', path: `/api/v1/tags/${r.pick(['wire', 'subnet', 'host', 'vm', 'address', 'nope'])}/${r.pick(JUNK_SEGMENTS)}`, auth, expect: [400, 404] };
  }
}

const UNKNOWN_PATHS = [
  '/api/v2/wires',
  '/api/v1/nope',
  '/api/v1',
  '/api',
  '/api/',
  '/api/v1/',
  '/api/v1/wires/dc1-trunk/subnets',
  '/api/v1/subnets/mgmt/allocations/1',
  '/api/v1//wires',
  '/api/v1/wires/',
  '/api/v1/subnets/',
  '/api/v1/ips/10.1.1.1/24',
  '/api/v1/tags',
  '/api/v1/tags/wire',
  '/api/v1/wires;x',
  '/api/v1/WIRES',
  '/api/v1/vms/4210a1b2-0c3d-4e5f-8a9b-000000000001/vnics',
  '/api/v1/hosts/esx01/interfaces/vmk0',
  '/api/v1/spaces/default',
  '/api/v1/changes/1',
  '/api/v1/tokens/fuzz-admin/secret',
];
// / and /index.html (and the UI's sections, e.g. /subnets) are the web UI's index.html, served by
// GET without a token (test/web.test.ts); everything else outside the API stays a 404 problem.
const OUTSIDE_PATHS = ['/nope', '/API/V1/WIRES', '/favicon.ico', '/.env', '/admin', '/healthz/x', '/metrics/x', '/openapi.yaml', '/%ZZ', '/%00', '/assets/missing.js', '/subnetsx'];

/** Methods a route does not have (none of them is a lower-case spelling fetch would pass through). */
const WRONG_METHODS: [string, string][] = [
  ['PUT', '/api/v1/wires'],
  ['DELETE', '/api/v1/wires'],
  ['PATCH', '/api/v1/wires'],
  ['POST', '/api/v1/wires/dc1-trunk'],
  ['PUT', '/api/v1/wires/dc1-trunk'],
  ['GET', '/api/v1/subnets/mgmt/allocations'],
  ['DELETE', '/api/v1/subnets/mgmt/allocations'],
  ['PUT', '/api/v1/subnets/mgmt'],
  ['PATCH', '/api/v1/ips/10.1.1.51'],
  ['PUT', '/api/v1/ips/10.1.1.51'],
  ['POST', '/api/v1/ips/10.1.1.51'],
  ['GET', '/api/v1/ips/10.1.1.10/reservation'],
  ['DELETE', '/api/v1/ips/10.1.1.10/reservation'],
  ['POST', '/api/v1/hosts'],
  ['DELETE', '/api/v1/hosts/esx01'],
  ['PATCH', '/api/v1/hosts/esx01'],
  ['GET', '/api/v1/hosts/esx01/interfaces'],
  ['DELETE', '/api/v1/hosts/esx01/interfaces'],
  ['POST', '/api/v1/vms'],
  ['PATCH', `/api/v1/vms/${VMS[0]}`],
  ['DELETE', `/api/v1/vms/${VMS[0]}`],
  ['POST', '/api/v1/changes'],
  ['DELETE', '/api/v1/changes'],
  ['POST', '/api/v1/tags/wire/dc1-trunk'],
  ['PUT', '/api/v1/tags/wire/dc1-trunk'],
  ['DELETE', '/api/v1/tags/wire/dc1-trunk'],
  ['GET', `/api/v1/tags/vm/${VMS[2]}/sync_ips`],
  ['PATCH', '/api/v1/tokens'],
  ['DELETE', '/api/v1/tokens'],
  ['PUT', '/api/v1/tokens/fuzz-viewer'],
  ['GET', '/api/v1/tokens/fuzz-viewer'],
  ['PUT', '/api/v1/spaces'],
  ['DELETE', '/api/v1/spaces'],
  ['POST', '/api/v1/host-interfaces'],
  ['POST', '/api/v1/port-groups'],
  ['POST', '/api/v1/vnics'],
  ['POST', '/metrics'],
  ['DELETE', '/metrics'],
  ['POST', '/openapi.json'],
  ['PUT', '/api/v1/syncs/1'],
  ['DELETE', '/api/v1/syncs/1'],
  ['POST', '/api/v1/syncs/1'],
  ['GET', '/api/v1/accounts/vc1/syncs'],
  ['DELETE', '/api/v1/accounts/vc1/syncs'],
  ['OPTIONS', '/api/v1/wires'],
  ['OPTIONS', '/api/v1/subnets/mgmt'],
  ['PROPFIND', '/api/v1/wires'],
  ['MKCOL', '/api/v1/subnets'],
  ['PURGE', '/api/v1/ips/10.1.1.51'],
];

/** Requests Node's HTTP parser refuses: a method it does not know, headers or a URL over its 16 KB limit. */
function parserCases(): Case[] {
  const cases: Case[] = [];
  for (const method of ['FOO', 'BREW', 'HELLO', 'GETS']) {
    for (const path of ['/api/v1/wires', '/api/v1/subnets/mgmt', '/nope']) cases.push({ label: 'parser', method, path, expect: [400], malformed: true, unlogged: true });
  }
  cases.push({ label: 'parser', method: 'GET', path: '/api/v1/wires', headers: { 'x-junk': 'j'.repeat(20_000) }, expect: [431], unlogged: true });
  cases.push({ label: 'parser', method: 'POST', path: '/api/v1/wires', body: '{"name":"dc1-trunk"}', headers: { cookie: 'c'.repeat(40_000) }, expect: [431], unlogged: true });
  cases.push({ label: 'parser', method: 'GET', path: `/api/v1/wires/${'w'.repeat(20_000)}`, expect: [431], unlogged: true });
  cases.push({ label: 'parser', method: 'GET', path: `/api/v1/wires?q=${'q'.repeat(20_000)}`, auth: null, expect: [431], unlogged: true });
  return cases;
}

function routeCase(r: Rng): Case {
  const label = 'route';
  const choice = r.int(0, 2);
  if (choice === 0) return { label, method: r.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH']), path: r.pick(UNKNOWN_PATHS), auth: r.pick(['admin', 'viewer']), expect: [404, 405] };
  if (choice === 1) return { label, method: r.pick(['GET', 'POST', 'DELETE']), path: r.pick(OUTSIDE_PATHS), auth: r.pick<Auth>(['admin', null]), expect: [404, 405] };
  const [method, path] = r.pick(WRONG_METHODS);
  const sendBody = method !== 'GET' && r.chance(0.3);
  return { label, method, path, auth: r.pick(['admin', 'operator', 'viewer']), ...(sendBody ? { body: '{"name":"dc1-trunk"}' } : {}), expect: [404, 405] };
}

// ---------------------------------------------------------------------------------------------
// Authentication and roles.

/** Authorization headers that must all be refused (none is a valid token in disguise). */
function badAuthHeaders(secrets: Secrets): (string | null)[] {
  const admin = secrets.admin;
  const last = admin.at(-1) === 'A' ? 'B' : 'A';
  return [
    null,
    '',
    'Bearer',
    'Bearer ',
    'bearer',
    'Basic YWRtaW46YWRtaW4=',
    `Basic ${admin}`,
    `Token ${admin}`,
    admin,
    `Bearer hw_${'A'.repeat(43)}`,
    `Bearer ${admin}x`,
    `Bearer ${admin.slice(0, -1)}`,
    `Bearer ${admin.slice(0, -1)}${last}`,
    `Bearer ${admin} ${admin}`,
    `Bearer ${admin}, Bearer ${secrets.viewer}`,
    'Bearer hw_',
    `Bearer hw_${'a'.repeat(300)}`,
    `Bearer ${admin.toUpperCase()}`,
    `Bearer ${admin.replace('hw_', 'HW_')}`,
    `Bearer ${admin.slice(3)}`,
    `Bearer "${admin}"`,
    `Bearer%20${admin}`,
    'Bearer hw_ä',
    'Bearer null',
    'Bearer undefined',
    `Bearer=${admin}`,
    `Bearer:${admin}`,
    `BearerX ${admin}`,
    `Bearer ${Buffer.from(admin).toString('base64')}`,
    `Bearer ${'x'.repeat(4000)}`,
  ];
}

/** Requests that would succeed with the admin token. */
const ADMIN_ONLY: [string, string, unknown?][] = [
  ['POST', '/api/v1/wires', { name: 'fuzz-new-wire', mtu: 9000, description: 'x' }],
  ['PATCH', '/api/v1/wires/dc1-trunk', { mtu: 9000 }],
  ['DELETE', '/api/v1/wires/vmotion-a'],
  ['POST', '/api/v1/subnets', { name: 'fuzz-new', wire: 'dc1-trunk', cidr: '10.200.0.0/24', vlan: 200 }],
  ['PATCH', '/api/v1/subnets/mgmt', { vlan: 7 }],
  ['DELETE', '/api/v1/subnets/vmotion-1'],
  ['PUT', '/api/v1/hosts/fuzz-new-host', { platform: 'kvm' }],
  ['PUT', '/api/v1/hosts/esx01', { platform: 'esxi', cluster: 'other' }],
  ['PUT', '/api/v1/hosts/xen1/interfaces', { interfaces: [] }],
  ['PUT', `/api/v1/vms/${VMS[0]}`, { name: 'renamed' }],
  ['PUT', `/api/v1/vms/${MISSING_UUIDS[0]}`, { name: 'fuzz-vm' }],
  ['PUT', '/api/v1/tags/wire/dc1-trunk/owner', { value: 'x' }],
  ['DELETE', `/api/v1/tags/vm/${VMS[2]}/sync_ips`],
  ['GET', '/api/v1/tokens'],
  ['POST', '/api/v1/tokens', { role: 'admin', name: 'escalated' }],
  ['DELETE', '/api/v1/tokens/fuzz-admin'],
  ['POST', '/api/v1/spaces', { name: 'fuzz-space' }],
];
/** Requests only an operator or an admin may make, whatever their outcome then (a viewer gets 403 first). */
const OPERATOR_ONLY: [string, string, unknown?][] = [
  ['POST', '/api/v1/accounts/no-such-account/syncs'],
  ['POST', '/api/v1/accounts/no-such-account/sync'],
];
/** Requests that would succeed with the operator token. */
const OPERATOR_OK: [string, string, unknown?][] = [
  ['POST', '/api/v1/subnets/mgmt/allocations', { count: 1 }],
  ['POST', '/api/v1/subnets/vm-web/allocations', { address: '10.50.0.9', owner: { kind: 'manual' } }],
  ['POST', '/api/v1/subnets/vm-v6/allocations', { count: 3 }],
  ['DELETE', '/api/v1/ips/10.1.1.51'],
  ['POST', '/api/v1/ips/10.1.1.77/reservation', { note: 'x' }],
];
/** Everything an operator may do or not, with a body, for the bad-token cases. */
const ANY_ROUTE: [string, string, unknown?][] = [
  ...ADMIN_ONLY,
  ...OPERATOR_OK,
  ['GET', '/api/v1/wires'],
  ['GET', '/api/v1/subnets/mgmt'],
  ['GET', '/api/v1/ips?limit=5'],
  ['GET', '/api/v1/hosts/esx01'],
  ['GET', '/api/v1/changes'],
  ['GET', '/api/v1/spaces'],
  ['GET', '/openapi.json'],
  ['GET', '/metrics'],
  ['GET', '/api/v1/nope'],
];

const withBody = (method: string, path: string, body: unknown, extra: Partial<Case>): Case => ({ method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }), label: 'x', ...extra });

function authCase(r: Rng, secrets: Secrets): Case {
  const [method, path, body] = r.pick(ANY_ROUTE);
  const header = r.pick(badAuthHeaders(secrets));
  return withBody(method, path, body, { label: 'auth', auth: header === null ? null : { header }, expect: [401] });
}

function roleCase(r: Rng): Case {
  if (r.chance(0.5)) {
    const [method, path, body] = r.pick([...ADMIN_ONLY, ...OPERATOR_OK]);
    return withBody(method, path, body, { label: 'role:viewer', auth: 'viewer', expect: [403] });
  }
  const [method, path, body] = r.pick(ADMIN_ONLY);
  return withBody(method, path, body, { label: 'role:operator', auth: 'operator', expect: [403] });
}

// ---------------------------------------------------------------------------------------------
// Oversized bodies.

function bigBodyCases(): Case[] {
  const cases: Case[] = [];
  const twoMb = 2 * 1024 * 1024;
  const padded = (base: Json, field: string, bytes: number) => {
    const shell = JSON.stringify({ ...base, [field]: '' });
    return JSON.stringify({ ...base, [field]: 'p'.repeat(bytes - Buffer.byteLength(shell)) });
  };
  const big = padded({ name: 'dc1-trunk' }, 'description', twoMb);
  assert.equal(Buffer.byteLength(big), twoMb);
  for (const auth of ['admin', 'viewer', null, { header: 'Bearer hw_nope' }] as Auth[]) {
    for (const chunked of [false, true]) cases.push({ label: 'too-large', method: 'POST', path: '/api/v1/wires', auth, body: big, chunked, expect: [413] });
  }
  const manyInterfaces = JSON.stringify({ interfaces: Array.from({ length: 40_000 }, (_, index) => ({ kind: 'physical', name: `eth${index}` })) });
  assert.ok(Buffer.byteLength(manyInterfaces) > MAX_BODY_BYTES);
  cases.push({ label: 'too-large', method: 'PUT', path: '/api/v1/hosts/esx01/interfaces', body: manyInterfaces, expect: [413] });
  cases.push({ label: 'too-large', method: 'POST', path: '/api/v1/subnets/mgmt/allocations', auth: 'operator', body: padded({ address: '10.1.1.1' }, 'note', twoMb), expect: [413] });
  cases.push({ label: 'too-large', method: 'PUT', path: '/api/v1/tags/wire/dc1-trunk/k', body: padded({}, 'value', MAX_BODY_BYTES + 1), expect: [413] });
  cases.push({ label: 'too-large', method: 'PUT', path: '/api/v1/tags/wire/dc1-trunk/k', body: padded({}, 'value', MAX_BODY_BYTES + 1), chunked: true, expect: [413] });
  cases.push({ label: 'too-large', method: 'POST', path: '/api/v1/wires', body: Buffer.alloc(twoMb, 0x7b), contentType: 'application/json', expect: [413] });
  cases.push({ label: 'too-large', method: 'POST', path: '/api/v1/nope', body: big, expect: [413] });
  // Exactly at the limit: read, and refused for what it says.
  cases.push({ label: 'at-limit', method: 'POST', path: '/api/v1/wires', body: padded({ name: 'dc1-trunk' }, 'description', MAX_BODY_BYTES), expect: [400], errorPath: 'description' });
  cases.push({ label: 'at-limit', method: 'POST', path: '/api/v1/wires', body: padded({ name: 'dc1-trunk' }, 'description', MAX_BODY_BYTES), chunked: true, expect: [400], errorPath: 'description' });
  // Valid text in 100 KB+ names.
  for (const spec of BODY_SPECS) {
    for (const [field, definition] of Object.entries(spec.fields)) {
      if (definition.kind.t === 'name') cases.push({ label: 'huge-name', method: spec.method, path: spec.path, body: JSON.stringify({ ...spec.base, [field]: 'n'.repeat(150_000) }), expect: [400], errorPath: field });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------

/** Every case once, then RANDOM_CASES drawn by category. */
function buildCases(secrets: Secrets): Case[] {
  const r = new Rng(SEED);
  const cases: Case[] = [];
  // The safety net first: each base body is refused as such.
  for (const spec of BODY_SPECS) cases.push(jsonCase(`base:${spec.schema}`, spec.method, spec.path, spec.base, { expect: [spec.baseStatus] }));
  const semantic = semanticCases();
  cases.push(...semantic, ...bigBodyCases(), ...parserCases());
  for (const header of badAuthHeaders(secrets)) cases.push({ label: 'auth', method: 'GET', path: '/api/v1/wires', auth: header === null ? null : { header }, expect: [401] });
  for (const [method, path, body] of [...ADMIN_ONLY, ...OPERATOR_OK, ...OPERATOR_ONLY]) cases.push(withBody(method, path, body, { label: 'role:viewer', auth: 'viewer', expect: [403] }));
  for (const [method, path, body] of ADMIN_ONLY) cases.push(withBody(method, path, body, { label: 'role:operator', auth: 'operator', expect: [403] }));
  for (const body of MALFORMED_JSON) for (const [method, path] of EMPTY_SAFE_TARGETS) cases.push({ label: 'malformed-json', method, path, body, expect: [400], malformed: true });
  for (const [method, path] of EMPTY_SAFE_TARGETS) cases.push({ label: 'no-body', method, path, expect: [400, 404] });

  const generators: [number, () => Case][] = [
    [30, () => mutatedBody(r)],
    [10, () => interfacesCase(r)],
    [12, () => {
      const picked = { ...r.pick(semantic) };
      // Operators may allocate, reserve and release: the same refusals hold for them.
      if (/\/allocations$|\/reservation$|^\/api\/v1\/ips\//.test(picked.path) && picked.method !== 'GET') picked.auth = r.pick(['admin', 'operator']);
      return picked;
    }],
    [10, () => queryCase(r)],
    [8, () => pathCase(r)],
    [5, () => malformedBody(r)],
    [5, () => contentTypeCase(r)],
    [6, () => routeCase(r)],
    [7, () => authCase(r, secrets)],
    [7, () => roleCase(r)],
  ];
  const total = generators.reduce((sum, [weight]) => sum + weight, 0);
  for (let i = 0; i < RANDOM_CASES; i++) {
    let roll = r.next() * total;
    for (const [weight, generate] of generators) {
      roll -= weight;
      if (roll < 0) {
        cases.push(generate());
        break;
      }
    }
  }
  for (const c of cases) assert.ok(!/hw_/i.test(c.path), `no token-like text in a path: ${c.path}`);
  return cases;
}

// ---------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeCase(c: Case): string {
  const body = c.body === undefined ? '' : typeof c.body === 'string' ? ` ${c.body.length > 160 ? `${c.body.slice(0, 160)}… (${c.body.length} chars)` : c.body}` : ` <${c.body.length} bytes>`;
  const auth = c.auth === undefined ? 'admin' : c.auth === null ? 'no token' : typeof c.auth === 'string' ? c.auth : `header ${JSON.stringify(c.auth.header.slice(0, 40))}`;
  const path = c.path.length > 160 ? `${c.path.slice(0, 160)}…` : c.path;
  return `[${c.label}] ${c.method} ${path} (${auth}${c.contentType ? `, ${c.contentType}` : ''}${c.chunked ? ', chunked' : ''})${body}`;
}

/** What is wrong with the answer to `c`, if anything. */
function verify(c: Case, status: number, headers: Headers, text: string, secrets: Secrets): string[] {
  const problems: string[] = [];
  if (status < 400 || status > 499) problems.push(`status ${status} is not 4xx`);
  else if (c.expect && !c.expect.includes(status)) problems.push(`status ${status}, expected ${c.expect.join(' or ')}`);
  const contentType = headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json')) problems.push(`content-type '${contentType}'`);
  if (text.includes('\n    at ') || text.includes('node_modules')) problems.push('a stack trace in the body');
  for (const secret of Object.values(secrets)) if (text.includes(secret)) problems.push('a token secret in the body');
  if (status === 401 && !headers.get('www-authenticate')) problems.push('401 without WWW-Authenticate');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    problems.push(`the body is not JSON: ${text.slice(0, 200)}`);
    return problems;
  }
  if (!isRecord(body)) return [...problems, `the body is not an object: ${text.slice(0, 200)}`];
  if (body.status !== status) problems.push(`body status ${JSON.stringify(body.status)} differs from HTTP ${status}`);
  if (typeof body.title !== 'string') problems.push('no string title');
  if (typeof body.detail !== 'string') problems.push('no string detail');
  const errors = body.errors;
  if (errors !== undefined) {
    if (!Array.isArray(errors) || errors.length === 0) problems.push(`errors is not a non-empty array: ${JSON.stringify(errors).slice(0, 200)}`);
    else if (!errors.every((error) => isRecord(error) && typeof error.path === 'string' && typeof error.message === 'string')) problems.push(`errors are not {path, message}: ${JSON.stringify(errors).slice(0, 200)}`);
  }
  if (status === 400 && !c.malformed) {
    if (!Array.isArray(errors) || errors.length === 0) problems.push(`a 400 without field errors: ${text.slice(0, 300)}`);
    else if (c.errorPath) {
      const wanted = c.errorPath;
      const paths = errors.map((error) => (isRecord(error) ? String(error.path) : ''));
      if (!paths.some((path) => path === wanted || path.startsWith(`${wanted}.`))) problems.push(`errors name ${JSON.stringify(paths)}, not ${wanted}: ${text.slice(0, 300)}`);
    }
  }
  return problems;
}

describe('HTTP API fuzz', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-api-fuzz-'));
  const lines: string[] = [];
  let store: Store | undefined;
  let server: RunningServer | undefined;
  const secrets: Secrets = { admin: '', operator: '', viewer: '' };
  let requests = 0;
  let unlogged = 0;

  before(async () => {
    store = await openStore(join(dir, 'fuzz.db'));
    const context = makeContext(store, 'test');
    assert.equal(await seedDemo(context), true);
    for (const role of ['admin', 'operator', 'viewer'] as const) secrets[role] = (await createToken(context, { role, name: `fuzz-${role}` })).token;
    server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: (line) => lines.push(line) });
  });

  after(async () => {
    try {
      await server?.close();
    } finally {
      try {
        await store?.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  async function send(c: Case): Promise<Response> {
    const headers: Record<string, string> = { ...c.headers };
    const auth = c.auth === undefined ? 'admin' : c.auth;
    if (typeof auth === 'string') headers.authorization = `Bearer ${secrets[auth]}`;
    else if (auth) headers.authorization = auth.header;
    if (c.contentType !== undefined) headers['content-type'] = c.contentType;
    else if (typeof c.body === 'string') headers['content-type'] = 'application/json';
    let body: string | Uint8Array | ReadableStream<Uint8Array> | undefined = c.body;
    if (c.chunked && c.body !== undefined) {
      const bytes = typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
      body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 64 * 1024) controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
          controller.close();
        },
      });
    }
    requests++;
    if (c.unlogged) unlogged++;
    return fetch(`${server!.url}${c.path}`, { method: c.method, headers, body, duplex: 'half' } as RequestInit);
  }

  async function getJson(path: string): Promise<Json> {
    const response = await send({ label: 'snapshot', method: 'GET', path });
    const text = await response.text();
    assert.equal(response.status, 200, `GET ${path}: ${text.slice(0, 300)}`);
    const body: unknown = JSON.parse(text);
    assert.ok(isRecord(body));
    return body;
  }

  async function listAll(path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await getJson(`${path}${separator}limit=1000${cursor === null ? '' : `&cursor=${enc(cursor)}`}`);
      assert.ok(Array.isArray(page.items));
      items.push(...page.items);
      cursor = page.nextCursor === null ? null : String(page.nextCursor);
    } while (cursor !== null);
    return items;
  }

  /** Everything the API shows of the store, but the tokens' lastUsedAt (refreshed on use). */
  async function snapshot(): Promise<Json> {
    const state: Json = {};
    for (const path of ['/api/v1/wires', '/api/v1/subnets', '/api/v1/ips', '/api/v1/hosts', '/api/v1/vms', '/api/v1/changes', '/api/v1/host-interfaces', '/api/v1/port-groups', '/api/v1/vnics']) {
      state[path] = await listAll(path);
    }
    const tokens = await getJson('/api/v1/tokens');
    assert.ok(Array.isArray(tokens.items));
    state.tokens = tokens.items.map((token: unknown) => {
      assert.ok(isRecord(token));
      const { lastUsedAt: _ignored, ...rest } = token;
      return rest;
    });
    state.spaces = await getJson('/api/v1/spaces');
    for (const name of [...ESXI_HOSTS, ...LINUX_HOSTS]) state[`host ${name}`] = await getJson(`/api/v1/hosts/${name}`);
    for (const name of SUBNETS) state[`subnet ${name}`] = await getJson(`/api/v1/subnets/${name}`);
    for (const [kind, names] of [['wire', WIRES], ['subnet', SUBNETS], ['host', [...ESXI_HOSTS, ...LINUX_HOSTS]], ['vm', VMS]] as const) {
      for (const name of names) state[`tags ${kind} ${name}`] = await getJson(`/api/v1/tags/${kind}/${name}`);
    }
    return state;
  }

  it('refuses every generated bad request with a 4xx problem, logs no secret, and changes nothing', async (t) => {
    const beforeState = await snapshot();
    assert.equal((beforeState['/api/v1/wires'] as unknown[]).length, WIRES.length);
    assert.equal((beforeState['/api/v1/subnets'] as unknown[]).length, SUBNETS.length);
    assert.equal((beforeState.tokens as unknown[]).length, 3);

    const cases = buildCases(secrets);
    assert.ok(cases.length >= 2_000, `${cases.length} cases`);
    const byStatus = new Map<number, number>();
    const byLabel = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        byLabel.set(c.label.split(':')[0]!, (byLabel.get(c.label.split(':')[0]!) ?? 0) + 1);
        try {
          const response = await send(c);
          const text = await response.text();
          byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
          const problems = verify(c, response.status, response.headers, text, secrets);
          if (problems.length) failures.push(`${describeCase(c)}\n      -> ${problems.join('; ')}`);
        } catch (error) {
          byStatus.set(0, (byStatus.get(0) ?? 0) + 1);
          const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
          failures.push(`${describeCase(c)}\n      -> no response: ${error instanceof Error ? error.message : String(error)}${cause}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;

    const distribution = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status === 0 ? 'no response' : status}: ${count}`);
    t.diagnostic(`${cases.length} requests in ${seconds.toFixed(1)} s, ${CONCURRENCY} at a time (seed ${SEED})`);
    t.diagnostic(`responses by status: ${distribution.join(', ')}`);
    t.diagnostic(`requests by kind: ${[...byLabel.entries()].sort().map(([label, count]) => `${label} ${count}`).join(', ')}`);
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} requests were answered wrongly:\n${failures.slice(0, 40).join('\n')}`);

    const afterState = await snapshot();
    assert.deepEqual(afterState, beforeState);

    // One JSON line per request, naming the route, never a token.
    assert.equal(lines.length, requests - unlogged, 'one log line per request that reached the app');
    for (const line of lines) {
      assert.ok(!line.includes('hw_'), `a token-like string in a log line: ${line.slice(0, 300)}`);
      for (const secret of Object.values(secrets)) assert.ok(!line.includes(secret), 'a token secret in a log line');
      const entry: unknown = JSON.parse(line);
      assert.ok(isRecord(entry), line);
      assert.equal(typeof entry.method, 'string', line);
      assert.equal(typeof entry.route, 'string', line);
      assert.equal(typeof entry.status, 'number', line);
      assert.equal(typeof entry.durationMs, 'number', line);
    }
  });
});
