/**
 * The HTTP API against a real server listening on a loopback port: resources, allocation,
 * pagination and filters, problems, tokens and roles, the change log, OpenAPI, metrics and logs.
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

describe('HTTP API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-api-'));
  const logLines: string[] = [];
  let store: Store;
  let server: RunningServer;
  const tokens: Record<'admin' | 'operator' | 'viewer', string> = { admin: '', operator: '', viewer: '' };

  before(async () => {
    store = await openStore(join(dir, 'api.db'));
    const context = makeContext(store, 'test');
    await seedDemo(context);
    for (const role of ['admin', 'operator', 'viewer'] as const) tokens[role] = (await createToken(context, { role, name: `${role}-tok` })).token;
    server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: (line) => logLines.push(line) });
  });
  after(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, options: { role?: keyof typeof tokens | null; body?: unknown } = {}) {
    const headers: Record<string, string> = {};
    const role = options.role === undefined ? 'admin' : options.role;
    if (role) headers.authorization = `Bearer ${tokens[role]}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  }

  async function problem(method: string, path: string, status: number, pattern: RegExp, options: Parameters<typeof call>[2] = {}) {
    const result = await call(method, path, options);
    assert.equal(result.status, status, JSON.stringify(result.body));
    assert.match(result.type, /^application\/problem\+json/);
    assert.equal(result.body.status, status);
    assert.match(result.body.detail, pattern);
    return result.body;
  }

  it('summarizes the estate in one call: the counts of the lists, the audit by severity, the fullest subnets', async () => {
    const summary = await call('GET', '/api/v1/summary', { role: 'viewer' });
    assert.equal(summary.status, 200);
    const all = async (path: string) => {
      const items: { name?: string; severity?: string; utilization?: { percent: number } }[] = [];
      for (let cursor = ''; ; ) {
        const page = (await call('GET', `${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
        items.push(...page.items);
        if (!page.nextCursor) return items;
        cursor = encodeURIComponent(page.nextCursor);
      }
    };
    const [hosts, vms, wires, subnets, findings] = await Promise.all(['/api/v1/hosts', '/api/v1/vms', '/api/v1/wires', '/api/v1/subnets', '/api/v1/findings'].map(all));
    assert.deepEqual(
      { hosts: summary.body.hosts, vms: summary.body.vms, wires: summary.body.wires, subnets: summary.body.subnets, findings: summary.body.findings },
      { hosts: hosts!.length, vms: vms!.length, wires: wires!.length, subnets: subnets!.length, findings: Object.fromEntries(['error', 'warning', 'info'].map((severity) => [severity, findings!.filter((finding) => finding.severity === severity).length])) },
    );
    const fullest = [...subnets!].sort((a, b) => b.utilization!.percent - a.utilization!.percent || a.name!.localeCompare(b.name!)).slice(0, 5);
    assert.deepEqual(summary.body.fullestSubnets.map((subnet: { name: string }) => subnet.name), fullest.map((subnet) => subnet.name));
    await problem('GET', '/api/v1/summary', 401, /Authorization: Bearer/, { role: null });
  });

  it('answers /healthz without a token and everything else only with one', async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    await problem('GET', '/api/v1/wires', 401, /Authorization: Bearer/, { role: null });
    const bad = await fetch(`${server.url}/api/v1/wires`, { headers: { authorization: 'Bearer hw_not-a-real-token' } });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('www-authenticate'), 'Bearer realm="hostwire"');
    assert.equal((await fetch(`${server.url}/openapi.json`)).status, 401);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const { status, body } = await call('GET', '/openapi.json');
    assert.equal(status, 200);
    assert.equal(body.openapi, '3.1.0');
    for (const path of ['/api/v1/wires', '/api/v1/subnets/{name}/allocations', '/api/v1/ips/{address}/reservation', '/api/v1/hosts', '/api/v1/host-interfaces', '/api/v1/port-groups', '/api/v1/vms', '/api/v1/vnics', '/api/v1/tags/{kind}/{name}', '/api/v1/changes', '/api/v1/tokens']) {
      assert.ok(body.paths[path], `${path} documented`);
    }
    assert.ok(body.components.schemas.Problem);
    assert.ok(body.paths['/api/v1/subnets'].post.responses['409']);
  });

  it('creates, reads, updates and deletes wires and subnets', async () => {
    assert.equal((await call('POST', '/api/v1/wires', { body: { name: 'lab', mtu: 9000, description: 'lab' } })).status, 201);
    const created = await call('POST', '/api/v1/subnets', { body: { name: 'lab-a', wire: 'lab', cidr: '10.200.0.0/24', vlan: 300, gateway: '10.200.0.1', pools: ['10.200.0.10-10.200.0.20'] } });
    assert.equal(created.status, 201);
    assert.equal(created.body.gateway, '10.200.0.1');
    const shown = await call('GET', '/api/v1/subnets/lab-a');
    assert.deepEqual(shown.body.utilization, { capacity: '254', used: '1', free: '11', held: '0', percent: 0.39 });
    assert.equal((await call('PATCH', '/api/v1/subnets/lab-a', { body: { policy: 'highest' } })).body.policy, 'highest');
    assert.equal((await call('PATCH', '/api/v1/wires/lab', { body: { mtu: 1500 } })).body.mtu, 1500);
    assert.equal((await call('GET', '/api/v1/wires/lab')).body.subnets, 1);
    await problem('DELETE', '/api/v1/wires/lab', 409, /still carries 1 subnet/);
    assert.equal((await call('DELETE', '/api/v1/subnets/lab-a')).status, 200);
    assert.equal((await call('DELETE', '/api/v1/wires/lab')).status, 200);
    await problem('GET', '/api/v1/wires/lab', 404, /wire 'lab' does not exist/);
  });

  it('allocates by count, by address and by owner; reserves and releases', async () => {
    await call('POST', '/api/v1/wires', { body: { name: 'alloc' } });
    await call('POST', '/api/v1/subnets', { body: { name: 'alloc-a', wire: 'alloc', cidr: '10.201.0.0/29', gateway: '10.201.0.1' } });
    const byCount = await call('POST', '/api/v1/subnets/alloc-a/allocations', { role: 'operator', body: { count: 2 } });
    assert.equal(byCount.status, 201);
    assert.deepEqual(byCount.body.items.map((item: { address: string }) => item.address), ['10.201.0.2', '10.201.0.3']);
    const byAddress = await call('POST', '/api/v1/subnets/alloc-a/allocations', { role: 'operator', body: { address: '10.201.0.6', note: 'printer' } });
    assert.deepEqual(byAddress.body.items.map((item: { address: string; note: string }) => [item.address, item.note]), [['10.201.0.6', 'printer']]);
    const byOwner = await call('POST', '/api/v1/subnets/alloc-a/allocations', { role: 'operator', body: { owner: { kind: 'pxe-host', id: 'esx07' } } });
    assert.deepEqual(byOwner.body.items.map((item: { address: string; owner: string }) => [item.address, item.owner]), [['10.201.0.4', 'pxe-host:esx07']]);
    const reserved = await call('POST', '/api/v1/ips/10.201.0.5/reservation', { role: 'operator', body: { note: 'switch' } });
    assert.equal(reserved.status, 201);
    assert.deepEqual([reserved.body.subnet, reserved.body.state], ['alloc-a', 'reserved']);
    const full = await problem('POST', '/api/v1/subnets/alloc-a/allocations', 409, /only 0 free/, { role: 'operator', body: { count: 1 } });
    assert.equal(full.title, 'Conflict');
    await problem('POST', '/api/v1/subnets/alloc-a/allocations', 409, /already allocated/, { role: 'operator', body: { address: '10.201.0.2' } });
    assert.equal((await call('DELETE', '/api/v1/ips/10.201.0.3', { role: 'operator' })).body.address, '10.201.0.3');
    assert.equal((await call('GET', '/api/v1/ips/10.201.0.6')).body.note, 'printer');
    await problem('GET', '/api/v1/ips/10.201.0.3', 404, /address '10\.201\.0\.3' does not exist/);
    await problem('POST', '/api/v1/ips/192.0.2.1/reservation', 400, /no subnet .* contains 192\.0\.2\.1/, { role: 'operator', body: {} });
  });

  it('gives 400 problems that list each bad field', async () => {
    const body = await problem('POST', '/api/v1/subnets', 400, /cidr/, { body: { name: 'bad', wire: 'dc1-trunk', cidr: '10.9.0.1/24', vlan: 5000, policy: 'lowest' } });
    assert.deepEqual(body.errors.map((error: { path: string }) => error.path).sort(), ['cidr', 'vlan']);
    assert.match(body.errors.find((error: { path: string }) => error.path === 'cidr').message, /10\.9\.0\.0\/24/);
    const unknown = await problem('POST', '/api/v1/wires', 400, /bogus/, { body: { name: 'w', bogus: true } });
    assert.deepEqual(unknown.errors, [{ path: 'bogus', message: 'is not a known field; remove it' }]);
    await problem('POST', '/api/v1/subnets', 409, /overlaps subnet 'mgmt'/, { body: { name: 'big', wire: 'dc1-trunk', cidr: '10.1.0.0/16' } });
    await problem('GET', '/api/v1/subnets?limit=0', 400, /limit/);
    await problem('GET', '/api/v1/subnets?cursor=nonsense', 400, /cursor/);
    await problem('GET', '/api/v1/nothing-here', 404, /no route GET \/api\/v1\/nothing-here/);
    await problem('DELETE', '/api/v1/summary', 405, /\/api\/v1\/summary takes GET, not DELETE/);
    const wrongMethod = await fetch(`${server.url}/api/v1/subnets/vm-db`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(wrongMethod.status, 405);
    assert.deepEqual(wrongMethod.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'PATCH']);
    const malformed = await fetch(`${server.url}/api/v1/wires`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, body: '{"name":' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get('content-type') ?? '', /problem\+json/);
    const wrongType = await fetch(`${server.url}/api/v1/wires`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/plain' }, body: 'name=x' });
    assert.equal(wrongType.status, 415);
    // A bare POST is not an empty body: it would allocate an address with every default.
    const used = async () => (await call('GET', '/api/v1/subnets/vm-db')).body.utilization.used;
    const before = await used();
    const bare = await fetch(`${server.url}/api/v1/subnets/vm-db/allocations`, { method: 'POST', headers: { authorization: `Bearer ${tokens.operator}` } });
    assert.equal(bare.status, 400);
    assert.match(((await bare.json()) as { detail: string }).detail, /the request has no body: send it as application\/json \(\{\} for the defaults\)/);
    assert.equal(await used(), before, 'nothing allocated');
    const bareReservation = await fetch(`${server.url}/api/v1/ips/10.51.0.77/reservation`, { method: 'POST', headers: { authorization: `Bearer ${tokens.operator}` } });
    assert.equal(bareReservation.status, 400);
    assert.equal((await call('POST', '/api/v1/subnets/vm-db/allocations', { role: 'operator', body: {} })).status, 201, '{} takes the defaults');
    assert.equal(BigInt(await used()), BigInt(before) + 1n);
  });

  it('enforces roles: viewers read, operators allocate, admins do everything', async () => {
    assert.equal((await call('GET', '/api/v1/subnets', { role: 'viewer' })).status, 200);
    await problem('POST', '/api/v1/subnets/mgmt/allocations', 403, /role viewer; this needs operator/, { role: 'viewer', body: { count: 1 } });
    await problem('POST', '/api/v1/wires', 403, /role operator; this needs admin/, { role: 'operator', body: { name: 'nope' } });
    await problem('DELETE', '/api/v1/subnets/mgmt', 403, /needs admin/, { role: 'operator' });
    await problem('GET', '/api/v1/tokens', 403, /needs admin/, { role: 'operator' });
  });

  it('paginates with limit and cursor, and filters by wire, vlan, q, subnet and host', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { name: string }[]; nextCursor: string | null } } = await call('GET', `/api/v1/subnets?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.body.items.length <= 3);
      seen.push(...page.body.items.map((item) => item.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = (await call('GET', '/api/v1/subnets?limit=1000')).body.items.map((item: { name: string }) => item.name);
    assert.deepEqual(seen, all);
    assert.ok(all.length >= 9);
    assert.deepEqual((await call('GET', '/api/v1/subnets?wire=xen-lab')).body.items.map((item: { name: string }) => item.name), ['xen-10', 'xen-20']);
    assert.deepEqual((await call('GET', '/api/v1/subnets?vlan=100')).body.items.map((item: { name: string }) => item.name), ['mgmt']);
    assert.deepEqual((await call('GET', '/api/v1/subnets?q=MOTION')).body.items.map((item: { name: string }) => item.name), ['vmotion-1', 'vmotion-2', 'vmotion-3']);
    const ips: string[] = [];
    let ipCursor: string | null = null;
    do {
      const page: { body: { items: { address: string }[]; nextCursor: string | null } } = await call('GET', `/api/v1/ips?subnet=vm-web&limit=7${ipCursor ? `&cursor=${ipCursor}` : ''}`);
      ips.push(...page.body.items.map((item) => item.address));
      ipCursor = page.body.nextCursor;
    } while (ipCursor);
    assert.equal(new Set(ips).size, 43, 'the gateway, web01 and web02, and the 40 of the web farm');
    assert.deepEqual((await call('GET', '/api/v1/hosts?cluster=prod')).body.items.map((host: { name: string }) => host.name), ['esx01', 'esx02']);
    const portgroups = (await call('GET', '/api/v1/port-groups?host=esx01&vlan=0')).body.items.map((pg: { name: string }) => pg.name);
    assert.deepEqual(portgroups, ['vMotion-1', 'vMotion-2', 'vMotion-3']);
    // On Linux and Xen hosts guests attach to bridges: VLAN from the VLAN port, wire from the bridge's own address.
    const attachments = (await call('GET', '/api/v1/port-groups?host=ovm1')).body.items.map((pg: { kind: string; name: string; switch: string; vlan: number; wire: string | null; subnet: string | null }) => [pg.kind, pg.name, pg.switch, pg.vlan, pg.wire, pg.subnet]);
    assert.deepEqual(attachments, [['bridge', 'vlan100', 'bond0', 100, 'dc1-trunk', 'mgmt'], ['bridge', 'vlan50', 'bond0', 50, null, null], ['bridge', 'vlan51', 'bond0', 51, null, null]]);
    const bridges = (await call('GET', '/api/v1/host-interfaces?host=ovm1&kind=bridge')).body.items.map((bridge: { name: string }) => bridge.name);
    assert.deepEqual(bridges, ['vlan100', 'vlan50', 'vlan51']);
    const vms = (await call('GET', '/api/v1/vms?host=xen1')).body.items;
    assert.deepEqual(vms.map((vm: { name: string }) => vm.name), ['lab-router']);
    const vnics = (await call('GET', `/api/v1/vnics?vm=${vms[0].uuid}`)).body.items;
    assert.deepEqual(vnics.map((vnic: { portgroup: string; observedIps: string[] }) => [vnic.portgroup, vnic.observedIps]), [['xenbr20', ['192.168.20.10']]]);
  });

  it('manages hosts, interfaces, VMs and tags', async () => {
    assert.equal((await call('PUT', '/api/v1/hosts/kvm1', { body: { platform: 'kvm', cluster: 'lab' } })).body.osFamily, 'netplan');
    const interfaces = [
      { kind: 'physical', name: 'eno1', mac: '52:54:00:00:00:01' },
      { kind: 'bridge', name: 'br0', ports: ['eno1'], addresses: ['10.1.1.150/24'] },
    ];
    const applied = await call('PUT', '/api/v1/hosts/kvm1/interfaces', { body: { interfaces } });
    assert.equal(applied.status, 200);
    assert.deepEqual(applied.body.interfaces.map((spec: { name: string }) => spec.name), ['eno1', 'br0']);
    await problem('PUT', '/api/v1/hosts/kvm1/interfaces', 400, /vSwitch9 is a vswitch/, { body: { interfaces: [{ kind: 'physical', name: 'eno1' }, { kind: 'vswitch', name: 'vSwitch9', uplinks: ['eno1'] }] } });
    const uuid = '4210a1b2-0c3d-4e5f-8a9b-0000000000aa';
    const vm = await call('PUT', `/api/v1/vms/${uuid}`, { body: { name: 'kvm-guest', host: 'kvm1', vnics: [{ mac: '52:54:00:aa:00:01', portgroup: 'br0', observedIps: ['10.1.1.151'] }] } });
    assert.equal(vm.status, 200);
    assert.equal(vm.body.vnics[0].portgroup, 'br0');
    assert.deepEqual((await call('PUT', `/api/v1/tags/vm/${uuid}/owner`, { body: { value: 'team-b' } })).body, { owner: 'team-b' });
    assert.deepEqual((await call('GET', `/api/v1/tags/vm/${uuid}`, { role: 'viewer' })).body, { owner: 'team-b' });
    assert.deepEqual((await call('DELETE', `/api/v1/tags/vm/${uuid}/owner`)).body, {});
  });

  it('records every mutation with the token name as actor, filterable by object and time', async () => {
    const start = new Date().toISOString();
    await call('POST', '/api/v1/subnets/vm-db/allocations', { role: 'operator', body: { count: 1 } });
    const changes = (await call('GET', `/api/v1/changes?since=${start}&kind=address`)).body.items;
    assert.equal(changes.length, 1);
    assert.equal(changes[0].actor, 'operator-tok');
    assert.equal(changes[0].action, 'allocate');
    const subnetChanges = (await call('GET', '/api/v1/changes?kind=subnet&object=mgmt')).body.items;
    assert.ok(subnetChanges.every((change: { objectName: string }) => change.objectName === 'mgmt'));
    assert.deepEqual((await call('GET', `/api/v1/changes?until=${start}&limit=2`)).body.items.length, 2);
  });

  it('creates, lists and revokes tokens; a revoked token stops working', async () => {
    const created = await call('POST', '/api/v1/tokens', { body: { role: 'viewer', name: 'short-lived' } });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^hw_[A-Za-z0-9_-]{43}$/);
    const listed = (await call('GET', '/api/v1/tokens')).body.items;
    assert.ok(listed.some((token: { name: string }) => token.name === 'short-lived'));
    assert.ok(listed.every((token: Record<string, unknown>) => !('token' in token) && !('secretHash' in token)));
    const asNew = await fetch(`${server.url}/api/v1/wires`, { headers: { authorization: `Bearer ${created.body.token}` } });
    assert.equal(asNew.status, 200);
    assert.equal((await call('DELETE', '/api/v1/tokens/short-lived')).status, 200);
    const revoked = await fetch(`${server.url}/api/v1/wires`, { headers: { authorization: `Bearer ${created.body.token}` } });
    assert.equal(revoked.status, 401);
  });

  it('exports Prometheus metrics and logs one JSON line per request without secrets', async () => {
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    const text = await metrics.text();
    assert.match(text, /hostwire_http_requests_total\{method="POST",route="\/api\/v1\/subnets\/:name\/allocations",status="201"\} \d+/);
    assert.match(text, /hostwire_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/subnets"\}/);
    assert.match(text, /hostwire_allocations_total \d+/);
    assert.match(text, /hostwire_store_errors_total 0/);
    assert.ok(logLines.length > 20);
    for (const line of logLines) {
      const entry = JSON.parse(line);
      assert.ok(entry.method && entry.route && typeof entry.status === 'number' && typeof entry.durationMs === 'number', line);
      for (const secret of Object.values(tokens)) assert.ok(!line.includes(secret), 'no token in the logs');
    }
    assert.ok(logLines.some((line) => JSON.parse(line).actor === 'operator-tok'));
  });
});
