/**
 * The NetworkManager keyfile rendering, checked by the real consumer: `nmcli --offline connection
 * modify` (NetworkManager 1.42) reads each keyfile from stdin and prints the keyfile it would
 * store; every key we wrote must come back with the same value. Then the keyfile importer: random
 * declarations survive render -> import (and render -> NetworkManager -> import) with no
 * difference in meaning, keyfiles written by nmcli itself import, and bad input is refused with
 * its file and line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { importNmKeyfiles, parseKeyfile, type Keyfile } from '../src/connectors/linux/nm-keyfile.ts';
import { readSources, type SourceFile } from '../src/connectors/host-facts.ts';
import { parseDeclaration } from '../src/domain/declaration.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../src/domain/interfaces.ts';
import { diffNetworks } from '../src/domain/network-diff.ts';
import type { RenderedFile, RenderInput } from '../src/render/files.ts';
import { connectionUuid, NM_CONNECTIONS_DIR as DIR, renderNetworkManager } from '../src/render/networkmanager/index.ts';
import { seedDemo } from '../src/services/demo.ts';
import { renderInputFor } from '../src/services/host-network.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { arbitraryLinuxNetwork } from './support/arbitrary-network.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

/** Keys NetworkManager's keyfile writer leaves out when they hold its default; we write them anyway, to be explicit. */
const NM_OMITS_DEFAULT: Record<string, string> = { 'bridge.stp': 'true', 'bridge.forward-delay': '15' };

function seed001(): RenderInput {
  const documents = parseAllDocuments(readFileSync(join(import.meta.dirname, 'fixtures', 'seed-001.yaml'), 'utf8')).map((document) => parseDeclaration(document.toJS()));
  const ovm = documents.find((document) => document.declaration.host === 'ovm1')!;
  return { name: 'ovm1', platform: 'ovm', osFamily: 'rhel', interfaces: parseInterfaceSet(ovm.interfaces, 'ovm') };
}

const KVM: RenderInput = {
  name: 'kvm1',
  platform: 'kvm',
  osFamily: 'networkmanager',
  managementAddress: '192.0.2.10',
  subnets: {
    '192.0.2.10': { name: 'mgmt', gateway: '192.0.2.1', dns: ['192.0.2.53', '2001:db8:53::53'], domain: 'mgmt.example.net', vlan: 200 },
    '2001:db8:200::10': { name: 'mgmt-v6', gateway: '2001:db8:200::1', dns: [], domain: null, vlan: 200 },
    '198.51.100.7': { name: 'storage', gateway: '198.51.100.1', dns: [], domain: null, vlan: 300 },
  },
  interfaces: parseInterfaceSet(
    [
      { kind: 'physical', name: 'eno1', mac: '52:54:00:AB:51:00' },
      { kind: 'physical', name: 'eno2', mac: '52:54:00:ab:51:01' },
      { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: '802.3ad', miimon: 100, lacpRate: 'fast', xmitHashPolicy: 'layer3+4', primary: 'eno1' },
      { kind: 'vlan', name: 'bond0.200', parent: 'bond0', vlan: 200 },
      { kind: 'bridge', name: 'br200', ports: ['bond0.200'], mtu: 9000, stp: true, forwardDelay: 4 },
      { kind: 'vmk', name: 'mgmt', attachment: 'br200', addresses: ['192.0.2.10/24', '2001:db8:200::10/64'] },
      { kind: 'vlan', name: 'bond0.300', parent: 'bond0', vlan: 300, addresses: ['198.51.100.7/24'] },
    ],
    'kvm',
  ),
};

const asSources = (files: RenderedFile[]): SourceFile[] => files.map(({ path, content }) => ({ path, content }));
const keyfileOf = (path: string, content: string) => parseKeyfile({ path, content });
const flat = (keyfile: Keyfile) => new Map<string, string>([...keyfile].flatMap(([section, keys]) => [...keys].map(([key, { value }]): [string, string] => [`${section}.${key}`, value])));

/** What NetworkManager stores when handed this keyfile: `connection modify` re-sets the id to itself. */
function nmReadBack(file: RenderedFile): string {
  const id = flat(keyfileOf(file.path, file.content)).get('connection.id')!;
  return execFileSync('nmcli', ['--offline', 'connection', 'modify', 'connection.id', id], { input: file.content, encoding: 'utf8', stdio: 'pipe' });
}

/** Every key we wrote comes back from NetworkManager unchanged (or left out where it is NM's default); returns what NM stores. */
function assertNmKeeps(file: RenderedFile): { content: string; keys: Map<string, string> } {
  const content = nmReadBack(file);
  const keys = flat(keyfileOf(`nmcli:${file.path}`, content));
  for (const [key, value] of flat(keyfileOf(file.path, file.content))) {
    if (!keys.has(key) && NM_OMITS_DEFAULT[key] === value) continue;
    assert.equal(keys.get(key), value, `${file.path}: NetworkManager changed ${key}`);
  }
  return { content, keys };
}

const byName = (files: RenderedFile[]) => new Map(files.map((file) => [file.path.slice(DIR.length + 1, -'.nmconnection'.length), flat(keyfileOf(file.path, file.content))]));

describe('NetworkManager keyfile rendering, read back by nmcli --offline', () => {
  let store: Store;
  let dir: string;
  let xen1: RenderInput;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostwire-nm-'));
    store = await openStore(join(dir, 'demo.db'));
    const context = makeContext(store, 'test');
    await seedDemo(context);
    xen1 = await renderInputFor(context, 'xen1');
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    removeRendered();
  });

  it('is NetworkManager 1.42 doing the reading', () => {
    assert.match(execFileSync('nmcli', ['--version'], { encoding: 'utf8' }), /version 1\.42\./);
  });

  it("keeps every key of seed 001's bond, trunk and per-VLAN bridges", () => {
    const files = renderNetworkManager(seed001());
    assert.deepEqual(files.map((file) => [file.path, file.mode]), ['eth0', 'eth1', 'bond0', 'bond0.50', 'vlan50', 'bond0.51', 'vlan51', 'bond0.100', 'vlan100'].map((name) => [`${DIR}/${name}.nmconnection`, 0o600]));
    for (const file of files) assertNmKeeps(file);
    const keys = byName(files);
    assert.deepEqual(Object.fromEntries(keys.get('eth0')!), { 'connection.id': 'eth0', 'connection.uuid': connectionUuid('ovm1', 'eth0'), 'connection.type': 'ethernet', 'connection.interface-name': 'eth0', 'connection.master': 'bond0', 'connection.slave-type': 'bond', 'ethernet.mac-address': '00:14:5E:C0:FF:EE' });
    assert.deepEqual(Object.fromEntries(keys.get('bond0')!), { 'connection.id': 'bond0', 'connection.uuid': connectionUuid('ovm1', 'bond0'), 'connection.type': 'bond', 'connection.interface-name': 'bond0', 'bond.miimon': '100', 'bond.mode': '802.3ad', 'ipv4.method': 'disabled', 'ipv6.method': 'disabled' });
    for (const vlan of ['50', '51', '100']) {
      const port = keys.get(`bond0.${vlan}`)!;
      assert.deepEqual([port.get('vlan.id'), port.get('vlan.parent'), port.get('connection.master'), port.get('connection.slave-type'), port.has('ipv4.method')], [vlan, 'bond0', `vlan${vlan}`, 'bridge', false]);
      assert.equal(keys.get(`vlan${vlan}`)!.get('bridge.stp'), 'false');
    }
    assert.deepEqual([keys.get('vlan100')!.get('ipv4.address1'), keys.get('vlan100')!.get('ipv4.method')], ['10.1.1.101/24', 'manual']);
    assert.deepEqual([keys.get('vlan50')!.get('ipv4.method'), keys.get('vlan50')!.get('ipv6.method')], ['disabled', 'disabled']);
  });

  it("keeps every key of the demo Xen host, with the gateway of its management subnet", () => {
    const files = renderNetworkManager(xen1);
    assert.deepEqual(files.map((file) => file.path), ['eth0', 'eth0.10', 'xenbr10', 'eth0.20', 'xenbr20'].map((name) => `${DIR}/${name}.nmconnection`));
    for (const file of files) assertNmKeeps(file);
    const keys = byName(files);
    // eth0 is a trunk: no address and no DHCP on it.
    assert.deepEqual([keys.get('eth0')!.get('ipv4.method'), keys.get('eth0')!.get('ethernet.mac-address'), keys.get('eth0')!.has('connection.master')], ['disabled', '00:16:3E:10:00:01', false]);
    assert.deepEqual([keys.get('xenbr10')!.get('ipv4.address1'), keys.get('xenbr10')!.get('ipv4.method')], ['192.168.10.5/24,192.168.10.1', 'manual']);
    assert.equal(keys.get('xenbr20')!.get('ipv4.method'), 'disabled');
  });

  it('keeps the MTU along the stack, only the bond options the mode takes, and one default gateway per family', () => {
    const files = renderNetworkManager(KVM);
    const stored = new Map(files.map((file) => [file.path, assertNmKeeps(file)]));
    const keys = byName(files);
    for (const name of ['eno1', 'eno2', 'bond0', 'bond0.200', 'br200']) assert.equal(keys.get(name)!.get('ethernet.mtu'), '9000', name);
    assert.equal(keys.get('bond0.300')!.has('ethernet.mtu'), false);
    assert.equal(keys.get('eno1')!.get('ethernet.mac-address'), '52:54:00:AB:51:00');
    // primary belongs to active-backup, tlb and alb: NetworkManager refuses it on 802.3ad.
    assert.deepEqual([...keys.get('bond0')!].filter(([key]) => key.startsWith('bond.')), [['bond.lacp_rate', 'fast'], ['bond.miimon', '100'], ['bond.mode', '802.3ad'], ['bond.xmit_hash_policy', 'layer3+4']]);
    const bridge = keys.get('br200')!;
    assert.deepEqual(
      ['ipv4.address1', 'ipv4.dns', 'ipv4.dns-search', 'ipv6.address1', 'ipv6.dns', 'ipv6.method', 'bridge.forward-delay'].map((key) => bridge.get(key)),
      ['192.0.2.10/24,192.0.2.1', '192.0.2.53;', 'mgmt.example.net;', '2001:db8:200::10/64', '2001:db8:53::53;', 'manual', '4'],
    );
    // stp=true is NetworkManager's default, which its writer leaves out; we say it anyway.
    assert.equal(bridge.get('bridge.stp'), 'true');
    assert.equal(stored.get(`${DIR}/br200.nmconnection`)!.keys.has('bridge.stp'), false);
    // The storage VLAN's subnet has a gateway too, but the default route is the management one's.
    assert.equal(keys.get('bond0.300')!.get('ipv4.address1'), '198.51.100.7/24');
  });

  it('renders byte-identical files, with one stable UUID per host and interface', () => {
    assert.deepEqual(renderNetworkManager(KVM), renderNetworkManager(KVM));
    const uuids = renderNetworkManager(KVM).map((file) => flat(keyfileOf(file.path, file.content)).get('connection.uuid')!);
    assert.equal(new Set(uuids).size, uuids.length);
    for (const uuid of uuids) assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(connectionUuid('kvm1', 'eno1'), connectionUuid('kvm2', 'eno1'));
  });

  it('refuses an Open vSwitch bridge, which needs the ovs format', () => {
    const ovs = { ...KVM, interfaces: parseInterfaceSet([{ kind: 'physical', name: 'eth0' }, { kind: 'bridge', name: 'ovsbr0', flavor: 'ovs', ports: ['eth0'] }], 'kvm') };
    assert.throws(() => renderNetworkManager(ovs), /interfaces\.ovsbr0\.flavor: ovsbr0 on kvm1 is an Open vSwitch bridge; render it with the ovs format/);
  });
});

describe('NetworkManager keyfile import', () => {
  after(removeRendered);
  const render = (interfaces: InterfaceSpec[]) => renderNetworkManager({ name: 'random', platform: 'kvm', osFamily: 'networkmanager', interfaces });

  it('imports what it renders, for random Linux networks', () => {
    fc.assert(
      fc.property(arbitraryLinuxNetwork(), (interfaces) => {
        const imported = importNmKeyfiles(asSources(render(interfaces)));
        // Nothing to ignore: keyfiles carry every field of a Linux interface graph.
        assert.deepEqual(diffNetworks(interfaces, imported.interfaces, 'kvm'), []);
        assert.deepEqual(imported.warnings, []);
      }),
      { numRuns: 200 },
    );
  });

  it('imports what NetworkManager stores from random renderings, after nmcli accepted every one', () => {
    fc.assert(
      fc.property(arbitraryLinuxNetwork(), (interfaces) => {
        const stored = render(interfaces).map((file) => ({ path: file.path, content: assertNmKeeps(file).content }));
        assert.deepEqual(diffNetworks(interfaces, importNmKeyfiles(stored).interfaces, 'kvm'), []);
      }),
      { numRuns: 40 },
    );
  });

  it('imports keyfiles nmcli wrote itself: ports naming their bond by UUID, DHCP and unmodelled settings as warnings', () => {
    // Offline, nmcli warns on stdout that a port's master is not among its (no) stored profiles.
    const add = (...args: string[]) => execFileSync('nmcli', ['--offline', 'connection', 'add', ...args], { encoding: 'utf8' }).replace(/^Warning: .*\n/m, '');
    const bond = add('type', 'bond', 'con-name', 'uplink', 'ifname', 'bond1', 'bond.options', 'mode=balance-xor,miimon=200,xmit_hash_policy=layer2+3,updelay=400', 'ipv4.method', 'auto', 'ipv6.method', 'ignore', 'ethernet.mtu', '1600');
    const bondUuid = /^uuid=(.+)$/m.exec(bond)![1]!;
    const root = writeRendered([
      { path: 'uplink.nmconnection', content: bond, mode: 0o600 },
      { path: 'Wired 1.nmconnection', content: add('type', 'ethernet', 'con-name', 'Wired 1', 'ifname', 'enp1s0', 'ethernet.mac-address', '52:54:00:c0:ff:ee', 'master', bondUuid, 'slave-type', 'bond'), mode: 0o600 },
      { path: 'vlan7.nmconnection', content: add('type', 'vlan', 'con-name', 'vlan7', 'ifname', 'bond1.7', 'vlan.parent', bondUuid, 'vlan.id', '7', 'ipv4.method', 'manual', 'ipv4.addresses', '203.0.113.9/28', 'ipv4.gateway', '203.0.113.1', 'ipv6.method', 'disabled'), mode: 0o600 },
      { path: 'README', content: 'not a keyfile\n' },
    ]);
    const imported = importNmKeyfiles(readSources(root));
    assert.deepEqual(imported.interfaces, [
      { kind: 'physical', name: 'enp1s0', mac: '52:54:00:c0:ff:ee' },
      { kind: 'bond', name: 'bond1', mtu: 1600, driver: 'bond', members: ['enp1s0'], mode: 'balance-xor', miimon: 200, xmitHashPolicy: 'layer2+3' },
      { kind: 'vlan', name: 'bond1.7', parent: 'bond1', vlan: 7, addresses: ['203.0.113.9/28'] },
    ]);
    assert.deepEqual(imported.gateway, { interface: 'bond1.7', address: '203.0.113.1' });
    const line = (content: string, key: string) => content.split('\n').indexOf(content.split('\n').find((text) => text.startsWith(`${key}=`))!) + 1;
    assert.deepEqual(imported.warnings, [
      'README: not a .nmconnection keyfile; skipped',
      `uplink.nmconnection:${line(bond, 'updelay')}: bond.updelay=400 is not modelled by hostwire; ignored`,
      `uplink.nmconnection:${line(bond, 'method')}: ipv4.method=auto takes addresses from the network; hostwire declares static addresses only`,
    ]);
  });

  const refuse = (content: string, message: string) => assert.throws(() => importNmKeyfiles([{ path: 'bad.nmconnection', content }]), (error: Error) => error.message === message);
  const HEAD = '[connection]\nid=x\ntype=vlan\ninterface-name=eth0.5\n';

  it('refuses malformed and hostile keyfiles, naming the file, the line and what is allowed', () => {
    refuse(`${HEAD}[vlan]\nid=5000\nparent=eth0\n`, "bad.nmconnection:6: vlan id '5000' is not a whole number from 1 to 4094");
    refuse(`${HEAD}[vlan]\nid 5\n`, "bad.nmconnection:6: 'id 5' is neither a [section], a key=value line nor a # comment");
    refuse('type=bond\n[connection]\n', 'bad.nmconnection:1: type is set before any [section]; start the file with [connection]');
    refuse(`${HEAD}[vlan\n`, "bad.nmconnection:5: '[vlan' is not a section header; write [name] with no brackets inside");
    refuse('[connection]\ntype=ethernet\ninterface-name=../../etc\n', "bad.nmconnection:3: interface-name '../../etc' is not an interface name: 1-15 letters, digits and _ . @ -, starting with a letter or digit");
    refuse('[connection]\ntype=ethernet\ninterface-name=eth0\ninterface-name=eth1\n', 'bad.nmconnection:4: interface-name is set twice in its section (first on line 3)');
    refuse('[connection]\ntype=ethernet\ninterface-name=eth0\n[ethernet]\nmac-address=\\x41\n', "bad.nmconnection:5: '\\x' is not a keyfile escape; use \\s \\n \\t \\r \\\\ or \\;");
    refuse('[connection]\ntype=ethernet\ninterface-name=eth0\u0000\n', 'bad.nmconnection:3: the line holds a control character; a keyfile is plain text');
    refuse('[connection]\ntype=bond\ninterface-name=bond0\n[bond]\nmode=round-robin\n', "bad.nmconnection:5: bond mode 'round-robin' is unknown; use one of: balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb (or 0-6)");
    refuse('[connection]\ntype=ethernet\ninterface-name=eth0\nmaster=bond9\nslave-type=bond\n', 'bad.nmconnection:4: the bond9 this connection is a port of has no keyfile here; name a bond or bridge connection by interface name or UUID');
    refuse('[connection]\ntype=bridge\ninterface-name=br0\n[ipv4]\nmethod=manual\naddress1=10.0.0.300/24\n', "bad.nmconnection:6: '10.0.0.300' is not a valid IPv4 address: an IPv4 address is four decimal octets 0-255 without leading zeros, e.g. 192.0.2.10");
    refuse('[connection]\ntype=bridge\ninterface-name=br0\n[ipv6]\nmethod=manual\naddress1=10.0.0.3/24\n', 'bad.nmconnection:6: 10.0.0.3 is not an IPv6 address; it belongs in [ipv4]');
    refuse('[connection]\nid=x\n', 'bad.nmconnection: [connection] has no type=; use one of: ethernet, 802-3-ethernet, bond, vlan, bridge');
    refuse(`[connection]\ntype=ethernet\ninterface-name=eth0\n[ethernet]\nmtu=${'9'.repeat(5000)}\n`, 'bad.nmconnection:5: the line is longer than 4096 characters');
  });

  it('refuses two keyfiles for one interface, and a port of the wrong kind', () => {
    const nic = '[connection]\ntype=ethernet\ninterface-name=eth0\n';
    assert.throws(() => importNmKeyfiles([{ path: 'a.nmconnection', content: nic }, { path: 'b.nmconnection', content: nic }]), /^HostwireError: b\.nmconnection:3: interface eth0 is also configured by a\.nmconnection; keep one connection per interface$/);
    assert.throws(
      () => importNmKeyfiles([{ path: 'br0.nmconnection', content: '[connection]\ntype=bridge\ninterface-name=br0\n' }, { path: 'eth0.nmconnection', content: `${nic}master=br0\nslave-type=bond\n` }]),
      /^HostwireError: eth0\.nmconnection:5: a bond port, but br0 is a bridge; write bridge$/,
    );
  });

  it('reads a VLAN whose parent has no keyfile as sitting on a physical NIC, with a warning', () => {
    const imported = importNmKeyfiles([{ path: 'v.nmconnection', content: `${HEAD}[vlan]\nid=5\nparent=eth0\n` }]);
    assert.deepEqual(imported.interfaces, [{ kind: 'physical', name: 'eth0' }, { kind: 'vlan', name: 'eth0.5', parent: 'eth0', vlan: 5 }]);
    assert.deepEqual(imported.warnings, ["v.nmconnection:7: the VLAN's parent eth0 has no keyfile here; it is taken as a physical NIC"]);
  });
});
