/**
 * A host's network in and out of hostwire through the CLI and the API: rendered to a platform's
 * files, those files imported back as a declaration (nothing written when they do not fit), live
 * facts imported and compared with the declaration, and the same over HTTP with roles.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../src/api/server.ts';
import { diffNetworks } from '../src/domain/network-diff.ts';
import { seedDemo } from '../src/services/demo.ts';
import { createToken } from '../src/services/tokens.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');
const FACTS = join(import.meta.dirname, 'fixtures', 'linux-facts');

function hostwire(db: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const json = (db: string, ...args: string[]) => {
  const result = hostwire(db, ...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

describe('host render, import and diff from the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-hostnet-'));
  const db = join(dir, 'demo.db');
  before(() => assert.equal(hostwire(db, 'demo').code, 0));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("imports a rendering back as the same host's declaration with no change, and refuses one whose address another host holds, writing nothing", () => {
    const out = join(dir, 'ovm1-root');
    assert.equal(hostwire(db, 'host', 'render', 'ovm1', '--format', 'ifcfg', '--out', out).code, 0);
    const changes = json(db, 'changes').length;
    const reimported = json(db, 'host', 'import', 'ovm1', join(out, 'etc/sysconfig/network-scripts'), '--format', 'ifcfg');
    assert.equal(reimported.as, 'declaration');
    assert.equal(json(db, 'changes').length, changes, 'importing what hostwire rendered changes nothing');

    const taken = hostwire(db, 'host', 'import', 'ovm2', join(out, 'etc/sysconfig/network-scripts'), '--format', 'ifcfg', '--platform', 'ovm');
    assert.equal(taken.code, 3, taken.stderr);
    assert.match(taken.stderr, /10\.1\.1\.101 is already allocated to host-interface:ovm1\/vlan100/);
    assert.equal(hostwire(db, 'host', 'show', 'ovm2').code, 4, 'the refused import left no host behind');
    assert.equal(json(db, 'changes').length, changes);

    const unknown = hostwire(db, 'host', 'import', 'kvm9', join(out, 'etc/sysconfig/network-scripts'), '--format', 'ifcfg');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /host 'kvm9' does not exist yet; say which platform it is \(esxi, kvm, xen, ovm\)/);
    assert.match(hostwire(db, 'host', 'import', 'ovm1', out, '--format', 'yaml-ng').stderr, /format: 'yaml-ng' cannot be imported; use one of: ifcfg, interfaces, netplan, networkmanager, linux-facts, libvirt/);
    assert.match(hostwire(db, 'host', 'import', 'ovm1', join(dir, 'nope'), '--format', 'ifcfg').stderr, /nope does not exist or cannot be read/);
  });

  it('keeps imported live facts beside the declaration and lists each difference: missing VLANs, a member down, MTU', () => {
    assert.equal(json(db, 'host', 'diff', 'xen1').facts, null);
    assert.equal(json(db, 'host', 'diff', 'ovm1').facts.format, 'demo', "the demo's own link state, until facts are imported");
    const imported = json(db, 'host', 'import', 'ovm1', FACTS, '--format', 'linux-facts');
    assert.equal(imported.as, 'facts');
    assert.ok(json(db, 'host', 'show', 'ovm1').interfaces.some((spec: { name: string }) => spec.name === 'vlan50'), 'facts do not replace the declaration');
    const diff = json(db, 'host', 'diff', 'ovm1');
    assert.equal(diff.facts.format, 'linux-facts');
    const messages = diff.differences.map((difference: { message: string }) => difference.message);
    assert.ok(messages.includes('bond0: member eth1 is down'), messages.join('\n'));
    assert.ok(messages.includes('bond0.50 (VLAN 50 on bond0) is declared but not present'));
    assert.ok(messages.includes('vlan100: MTU is 9000, declared (unset)'));
    assert.deepEqual([diff.links.eth0, diff.links.eth1, diff.links['bond0/eth0'], diff.links['bond0/eth1'], diff.links['vlan100/bond0.100']], ['up', 'down', 'up', 'down', 'up'], 'link state per NIC, bond member and bridge port');
    assert.deepEqual(json(db, 'host', 'diff', 'ovm1', '--facts', FACTS).differences, diff.differences, '--facts compares without storing the same result');
    const text = hostwire(db, 'host', 'diff', 'ovm1', '--exit-code');
    assert.equal(text.code, 1);
    assert.match(text.stdout, /bond0\s+down\s+bond0: member eth1 is down/);
    assert.equal(hostwire(db, 'host', 'diff', 'xen1', '--exit-code').code, 0, 'no facts, nothing to report');
    assert.equal(hostwire(db, 'host', 'diff', 'esx01', '--exit-code').code, 0, 'every link up, nothing to report');
    assert.match(hostwire(db, 'host', 'diff', 'esx02', '--exit-code').stdout, /vmnic1\s+down\s+vmnic1 is down/);
  });

  it('prints every file of a rendering to stdout after a separator naming its path', () => {
    const result = hostwire(db, 'host', 'render', 'esx01', '--format', 'esxcli');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^# ==> esxcli\/esx01-network\.sh <==\n#!\/bin\/sh/m);
    assert.match(result.stdout, /# ==> esxcli\/esx01-ks-network\.cfg <==\nnetwork --bootproto=static --device=00:50:56:01:51:00 --ip=10\.1\.1\.51/);
    assert.match(hostwire(db, 'host', 'render', 'esx01', '--format', 'netplan').stderr, /netplan renders kvm, xen, ovm hosts; esx01 is esxi/);
    assert.match(hostwire(db, 'host', 'render', 'xen1').stdout, /^# ==> etc\/network\/interfaces <==/, "without --format a host gets its os family's (xen1 is debian: ifupdown)");
  });
});

describe('host render, import and diff over the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-hostnet-api-'));
  let store: Store;
  let server: RunningServer;
  const tokens: Record<'admin' | 'operator' | 'viewer', string> = { admin: '', operator: '', viewer: '' };
  before(async () => {
    store = await openStore(join(dir, 'api.db'));
    const context = makeContext(store, 'test');
    await seedDemo(context);
    for (const role of ['admin', 'operator', 'viewer'] as const) tokens[role] = (await createToken(context, { role, name: role })).token;
    server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => {} });
  });
  after(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: string, path: string, role: keyof typeof tokens, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${tokens[role]}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: await response.json() };
  };

  it('renders for a viewer, refusing unknown formats with the list of known ones', async () => {
    const rendered = await call('GET', '/api/v1/hosts/xen1/render?format=xen', 'viewer');
    assert.equal(rendered.status, 200);
    assert.deepEqual(rendered.body.files.map((file: { path: string }) => file.path), ['etc/xen/lab-router.vif.cfg']);
    assert.match(rendered.body.files[0].content, /vif = \['mac=00:16:3e:20:00:10,bridge=xenbr20'\]/);
    const byOs = await call('GET', '/api/v1/hosts/ovm1/render', 'viewer');
    assert.equal(byOs.body.format, 'ifcfg');
    assert.ok(byOs.body.files.some((file: { path: string }) => file.path === 'etc/sysconfig/network-scripts/ifcfg-bond0'));
    const unknown = await call('GET', '/api/v1/hosts/xen1/render?format=vyos', 'viewer');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.detail, /format: 'vyos' is not available; use one of: ifcfg, ifupdown, ifupdown2, netplan/);
    assert.equal((await call('GET', '/api/v1/hosts/nope/render?format=ifcfg', 'viewer')).status, 404);
  });

  it('imports facts for an operator, keeps declarations for admins, and serves the diff', async () => {
    const files = ['ip-link.json', 'ip-addr.json', 'ip-route.json', 'bridge-link.json', 'bonding/bond0'].map((path) => ({ path, content: readFileSync(join(FACTS, path), 'utf8') }));
    const asDeclaration = await call('POST', '/api/v1/hosts/ovm1/imports', 'operator', { format: 'linux-facts', files, as: 'declaration' });
    assert.equal(asDeclaration.status, 403);
    const facts = await call('POST', '/api/v1/hosts/ovm1/imports', 'operator', { format: 'linux-facts', files });
    assert.equal(facts.status, 200, JSON.stringify(facts.body));
    assert.equal(facts.body.as, 'facts');
    const diff = await call('GET', '/api/v1/hosts/ovm1/diff', 'viewer');
    assert.equal(diff.status, 200);
    assert.ok(diff.body.differences.some((difference: { message: string }) => difference.message === 'bond0: member eth1 is down'));
    assert.equal(diff.body.links['bond0/eth1'], 'down');
    const broken = await call('POST', '/api/v1/hosts/ovm1/imports', 'operator', { format: 'linux-facts', files: [{ path: 'ip-link.json', content: '{"not": "ip -j"}' }] });
    assert.equal(broken.status, 400);
    assert.match(broken.body.detail, /ip-link\.json/);
  });

  it('takes a libvirt document as a new KVM host declaration that means what it says', async () => {
    const xml = `<interface type='bridge' name='br0'><start mode='onboot'/><mtu size='9000'/><protocol family='ipv4'><ip address='192.0.2.20' prefix='24'/></protocol><bridge stp='off' delay='0'><interface type='ethernet' name='eno1'><mac address='52:54:00:aa:bb:01'/></interface></bridge></interface>`;
    const imported = await call('POST', '/api/v1/hosts/kvm7/imports', 'admin', { format: 'libvirt', files: [{ path: 'br0.xml', content: xml }], platform: 'kvm' });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const expected = [
      { kind: 'physical' as const, name: 'eno1', mac: '52:54:00:aa:bb:01' },
      { kind: 'bridge' as const, name: 'br0', flavor: 'linux' as const, ports: ['eno1'], stp: false, forwardDelay: 0, mtu: 9000, addresses: ['192.0.2.20/24'] },
    ];
    const host = await call('GET', '/api/v1/hosts/kvm7', 'viewer');
    assert.deepEqual(diffNetworks(expected, host.body.interfaces, 'kvm'), []);
  });
});
