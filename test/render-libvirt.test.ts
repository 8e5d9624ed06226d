/**
 * The libvirt rendering, checked by the real consumers: every network and interface file, and every
 * guest interface inside a domain, passes virt-xml-validate against libvirt's own schemas, and
 * `virsh -c test:///NODE` loads a node file built from the rendering and reports back the declared
 * bridges, bonds, VLANs, MTUs, addresses, port groups and guest ports. The importer reads virsh's
 * output back to the declaration (round trip), and refuses hostile or malformed XML by file:line.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { importLibvirtXml } from '../src/connectors/libvirt/xml.ts';
import { parseDeclaration } from '../src/domain/declaration.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../src/domain/interfaces.ts';
import { diffNetworks, type NormalField } from '../src/domain/network-diff.ts';
import type { RenderedFile, RenderInput } from '../src/render/files.ts';
import { guestFileName } from '../src/render/guest-ports.ts';
import { LIBVIRT_PATHS, renderLibvirt } from '../src/render/libvirt/index.ts';
import { arbitraryLinuxNetwork } from './support/arbitrary-network.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

/**
 * What libvirt's interface XML cannot carry: its <bond> element has only mode, miimon/arpmon and
 * slaves (no lacp_rate, xmit_hash_policy or primary option; the schema marks them FIXME).
 */
const CANNOT_CARRY: NormalField[] = ['lacpRate', 'xmitHashPolicy', 'primary'];

const seedHost = (): RenderInput => {
  const documents = parseAllDocuments(readFileSync(join(import.meta.dirname, 'fixtures', 'seed-001.yaml'), 'utf8')).map((document) => parseDeclaration(document.toJS()));
  const ovm = documents.find((document) => document.declaration.host === 'ovm1')!;
  return {
    name: 'ovm1',
    platform: 'ovm',
    osFamily: 'rhel',
    interfaces: parseInterfaceSet(ovm.interfaces, 'ovm'),
    managementAddress: '10.1.1.101',
    subnets: { '10.1.1.101': { name: 'mgmt', gateway: '10.1.1.1', dns: ['10.1.1.10'], domain: 'dc1.example.net', vlan: 100 } },
    vms: [{ name: 'web01', nics: [{ mac: '00:16:3e:50:00:01', attachment: 'vlan50' }, { mac: '00:16:3e:51:00:01', attachment: 'vlan51' }] }],
  };
};

/** A KVM host with a Linux stack (bond, VLAN, jumbo bridge with a host IP) and an OVS bridge with port groups. */
const KVM: RenderInput = {
  name: 'kvm1',
  platform: 'kvm',
  osFamily: 'netplan',
  interfaces: parseInterfaceSet(
    [
      { kind: 'physical', name: 'eno1', mac: '52:54:00:01:51:00' },
      { kind: 'physical', name: 'eno2', mac: '52:54:00:01:51:01' },
      { kind: 'physical', name: 'eno3', mac: '52:54:00:01:51:02' },
      { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: 'active-backup', miimon: 100, lacpRate: 'fast', primary: 'eno2' },
      { kind: 'vlan', name: 'bond0.200', parent: 'bond0', vlan: 200 },
      { kind: 'bridge', name: 'br200', ports: ['bond0.200'], mtu: 9000, forwardDelay: 2 },
      { kind: 'vmk', name: 'mgmt', attachment: 'br200', addresses: ['192.0.2.10/24', '2001:db8:200::10/64'] },
      { kind: 'bridge', name: 'ovsbr0', flavor: 'ovs', ports: ['eno3'] },
      { kind: 'portgroup', name: 'web', switch: 'ovsbr0', vlan: 50 },
      { kind: 'portgroup', name: 'lab-trunk', switch: 'ovsbr0', vlan: 4095, trunk: [{ first: 10, last: 12 }] },
      { kind: 'portgroup', name: 'native', switch: 'ovsbr0', vlan: 0 },
    ],
    'kvm',
  ),
  managementAddress: '192.0.2.10',
  subnets: { '192.0.2.10': { name: 'kvm-mgmt', gateway: '192.0.2.1', dns: [], domain: null, vlan: 200 } },
  vms: [
    { name: 'app 01', nics: [{ mac: '52:54:00:aa:00:01', attachment: 'web' }, { mac: '52:54:00:aa:00:02', attachment: 'br200' }] },
    { name: 'router', nics: [{ mac: '52:54:00:aa:00:03', attachment: 'lab-trunk' }] },
  ],
};

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe' });

/** virt-xml-validate checks a file against libvirt's schema for its kind; it reports on stderr. */
function validate(path: string, kind: 'network' | 'interface' | 'domain'): void {
  const result = spawnSync('virt-xml-validate', [path, kind], { encoding: 'utf8' });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, `${path} validates\n`);
}

/** A minimal domain around rendered guest interfaces: what virt-xml-validate and the test driver need. */
const domainXml = (name: string, interfaces: string[]) =>
  `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os><devices>\n${interfaces.join('\n')}\n</devices></domain>`;

function guestInterfaces(files: RenderedFile[], vm: string): string[] {
  return files.filter((file) => file.path.startsWith(`${LIBVIRT_PATHS.domains}/${guestFileName(vm)}/`)).map((file) => file.content);
}

/**
 * Writes the rendering, validates every file with virt-xml-validate, and returns a test:/// node file
 * holding the host interfaces, networks, and one domain per guest.
 */
function validateAndBuildNode(host: RenderInput): { root: string; node: string; files: RenderedFile[] } {
  const files = renderLibvirt(host);
  const guests = (host.vms ?? []).map((vm) => ({ path: `domains/${guestFileName(vm.name)}.xml`, content: domainXml(vm.name, guestInterfaces(files, vm.name)) }));
  const hostFiles = files.filter((file) => !file.path.startsWith(LIBVIRT_PATHS.domains));
  const node = { path: 'node.xml', content: `<node>\n${[...hostFiles, ...guests].map((file) => file.content).join('\n')}</node>\n` };
  const root = writeRendered([...files, ...guests, node], 'hostwire-libvirt-');
  for (const file of hostFiles) {
    validate(join(root, file.path), file.path.startsWith(LIBVIRT_PATHS.networks) ? 'network' : 'interface');
  }
  for (const guest of guests) validate(join(root, guest.path), 'domain');
  return { root, node: join(root, 'node.xml'), files };
}

const virsh = (node: string, ...args: string[]) => run('virsh', ['-c', `test://${node}`, ...args]);
const names = (output: string) => output.split('\n').map((line) => line.trim()).filter(Boolean).sort();
/** `virsh iface-list` has no --name: the names are the first column under its header. */
const interfaceNames = (node: string) => names(virsh(node, 'iface-list', '--all').split('\n').slice(2).map((line) => line.trim().split(/\s+/)[0]).join('\n'));

/** What virsh reports for every host interface and network, read back by the importer. */
function importFromVirsh(node: string) {
  const dumps = [
    ...interfaceNames(node).map((name) => ({ path: `iface-dumpxml ${name}`, content: virsh(node, 'iface-dumpxml', name) })),
    ...names(virsh(node, 'net-list', '--all', '--name')).map((name) => ({ path: `net-dumpxml ${name}`, content: virsh(node, 'net-dumpxml', name) })),
  ];
  return importLibvirtXml(dumps);
}

describe('libvirt rendering, accepted by virt-xml-validate and virsh test:///', () => {
  after(removeRendered);

  it("renders seed 001's bond, trunk and per-VLAN bridges as virsh reports them", () => {
    const host = seedHost();
    const { node } = validateAndBuildNode(host);
    assert.deepEqual(names(virsh(node, 'net-list', '--all', '--name')), ['vlan100', 'vlan50', 'vlan51']);
    // The VLANs live inside their bridges, and the bond (their parent) on its own.
    assert.deepEqual(interfaceNames(node), ['bond0', 'vlan100', 'vlan50', 'vlan51']);
    const bond = virsh(node, 'iface-dumpxml', 'bond0');
    assert.match(bond, /<bond mode='802\.3ad'>\s*<miimon freq='100'\/>\s*<interface type='ethernet' name='eth0'>\s*<mac address='00:14:5e:c0:ff:ee'\/>\s*<\/interface>\s*<interface type='ethernet' name='eth1'>\s*<mac address='00:14:5e:c0:ff:ef'\/>/);
    const management = virsh(node, 'iface-dumpxml', 'vlan100');
    assert.match(management, /<protocol family='ipv4'>\s*<ip address='10\.1\.1\.101' prefix='24'\/>\s*<route gateway='10\.1\.1\.1'\/>\s*<\/protocol>/);
    assert.match(management, /<bridge stp='off'>\s*<interface type='vlan' name='bond0\.100'>\s*<vlan tag='100'>\s*<interface name='bond0'\/>/);
    assert.doesNotMatch(virsh(node, 'iface-dumpxml', 'vlan50'), /<protocol/);
    assert.match(virsh(node, 'net-dumpxml', 'vlan51'), /<forward mode='bridge'\/>\s*<bridge name='vlan51'\/>/);

    const imported = importFromVirsh(node);
    assert.deepEqual(diffNetworks(host.interfaces, imported.interfaces, 'ovm', { ignore: CANNOT_CARRY }), []);
    assert.deepEqual(imported.gateway, { interface: 'vlan100', address: '10.1.1.1' });
    assert.deepEqual(imported.warnings, []);

    const domain = virsh(node, 'dumpxml', 'web01');
    assert.deepEqual(importLibvirtXml([{ path: 'dumpxml web01', content: domain }, ...['vlan50', 'vlan51'].map((name) => ({ path: name, content: virsh(node, 'net-dumpxml', name) }))]).guests, [
      { name: 'web01', uuid: /<uuid>([^<]+)<\/uuid>/.exec(domain)![1], nics: [{ mac: '00:16:3e:50:00:01', attachment: 'vlan50' }, { mac: '00:16:3e:51:00:01', attachment: 'vlan51' }] },
    ]);
    // A Xen guest gets libxl's default NIC model, not KVM's virtio.
    assert.doesNotMatch(domain, /<model/);
  });

  it('sets the MTU along the stack, lists the primary slave first, and puts host IPs and the default route on their bridge', () => {
    const { node, files } = validateAndBuildNode(KVM);
    // The OVS bridge is built by the ovs format: libvirt's interface XML would make it a Linux bridge.
    assert.deepEqual(interfaceNames(node), ['bond0', 'br200', 'eno3']);
    assert.equal(files.some((file) => file.path === `${LIBVIRT_PATHS.interfaces}/ovsbr0.xml`), false);
    const bond = virsh(node, 'iface-dumpxml', 'bond0');
    assert.match(bond, /<mtu size='9000'\/>/);
    assert.match(bond, /<bond mode='active-backup'>\s*<miimon freq='100'\/>\s*<interface type='ethernet' name='eno2'>[\s\S]*name='eno1'/);
    const bridge = virsh(node, 'iface-dumpxml', 'br200');
    assert.match(bridge, /<mtu size='9000'\/>/);
    assert.match(bridge, /<protocol family='ipv4'>\s*<ip address='192\.0\.2\.10' prefix='24'\/>\s*<route gateway='192\.0\.2\.1'\/>\s*<\/protocol>\s*<protocol family='ipv6'>\s*<ip address='2001:db8:200::10' prefix='64'\/>\s*<\/protocol>/);
    assert.match(bridge, /<bridge stp='off' delay='2'>/);

    const imported = importFromVirsh(node);
    // Exactly one difference, and the one expected: libvirt knows the OVS bridge only from its network.
    assert.deepEqual(
      diffNetworks(KVM.interfaces, imported.interfaces, 'kvm', { ignore: CANNOT_CARRY }).map(({ interface: name, field, declared, observed }) => ({ name, field, declared, observed })),
      [{ name: 'ovsbr0', field: 'ports', declared: ['eno3'], observed: [] }],
    );
    assert.deepEqual(imported.warnings, ['net-dumpxml ovsbr0:1: bridge ovsbr0 is known only from its network; its ports and addresses are not described']);
  });

  it('tags guest ports through Open vSwitch port groups, as virsh reports them', () => {
    const { node } = validateAndBuildNode(KVM);
    const network = virsh(node, 'net-dumpxml', 'ovsbr0');
    assert.match(network, /<virtualport type='openvswitch'\/>/);
    assert.match(network, /<portgroup name='web'>\s*<vlan>\s*<tag id='50'\/>\s*<\/vlan>\s*<\/portgroup>/);
    assert.match(network, /<portgroup name='lab-trunk'>\s*<vlan trunk='yes'>\s*<tag id='10'\/>\s*<tag id='11'\/>\s*<tag id='12'\/>\s*<\/vlan>\s*<\/portgroup>/);
    assert.match(network, /<portgroup name='native'>\s*<\/portgroup>\s*<\/network>/);

    assert.deepEqual(names(virsh(node, 'list', '--all', '--name')), ['app 01', 'router']);
    const app = virsh(node, 'dumpxml', 'app 01');
    assert.match(app, /<interface type='bridge'>\s*<mac address='52:54:00:aa:00:01'\/>\s*<source bridge='ovsbr0'\/>\s*<vlan>\s*<tag id='50'\/>\s*<\/vlan>\s*<virtualport type='openvswitch'[\s\S]*?<model type='virtio'\/>/);
    assert.deepEqual(virsh(node, 'domiflist', 'app 01').split('\n').slice(2).map((line) => line.trim().split(/\s+/)).filter((row) => row.length > 1), [
      ['testnet0', 'bridge', 'ovsbr0', 'virtio', '52:54:00:aa:00:01'],
      ['testnet1', 'bridge', 'br200', 'virtio', '52:54:00:aa:00:02'],
    ]);
    const imported = importLibvirtXml([
      { path: 'net-dumpxml ovsbr0', content: network },
      ...['app 01', 'router'].map((name) => ({ path: `dumpxml ${name}`, content: virsh(node, 'dumpxml', name) })),
    ]);
    assert.deepEqual(
      imported.guests.map((guest) => ({ name: guest.name, nics: guest.nics })),
      KVM.vms!.map((vm) => ({ name: vm.name, nics: vm.nics })),
    );
  });

  it('round trip: importing the rendering of random Linux networks gives them back', () => {
    fc.assert(
      fc.property(arbitraryLinuxNetwork(), (specs) => {
        const imported = importLibvirtXml(renderLibvirt({ name: 'random', platform: 'kvm', osFamily: 'netplan', interfaces: specs }).map((file) => ({ path: file.path, content: file.content })));
        assert.deepEqual(diffNetworks(specs, imported.interfaces, 'kvm', { ignore: CANNOT_CARRY }), []);
      }),
      { numRuns: 200 },
    );
  });

  it('round trip through virsh: random Linux networks validate, load, and come back as declared', () => {
    fc.assert(
      fc.property(arbitraryLinuxNetwork(), (specs: InterfaceSpec[]) => {
        const { node } = validateAndBuildNode({ name: 'random', platform: 'kvm', osFamily: 'netplan', interfaces: specs });
        assert.deepEqual(diffNetworks(specs, importFromVirsh(node).interfaces, 'kvm', { ignore: CANNOT_CARRY }), []);
      }),
      { numRuns: 15 },
    );
  });

  it('refuses guests it cannot place: untagged-only Linux bridges asked for a tag, vNICs attached to nothing', () => {
    const tagged = { ...KVM, interfaces: parseInterfaceSet([...KVM.interfaces, { kind: 'portgroup', name: 'db', switch: 'br200', vlan: 51 }], 'kvm') };
    assert.throws(() => renderLibvirt(tagged), /port group db has VLAN 51 on Linux bridge br200, but libvirt and Xen tag guest ports only on Open vSwitch bridges; make br200 an ovs bridge, or attach guests to a per-VLAN bridge/);
    const loose = { ...KVM, vms: [{ name: 'orphan', nics: [{ mac: '52:54:00:aa:00:09', attachment: null }] }] };
    assert.throws(() => renderLibvirt(loose), /VM orphan: vNIC 52:54:00:aa:00:09 is attached to nothing; attach it to a bridge or port group of kvm1 \(use one of: br200, ovsbr0, web, lab-trunk, native\)/);
  });
});

describe('libvirt XML importer, refusing what is not plain libvirt XML', () => {
  const refuse = (path: string, content: string, message: RegExp) => assert.throws(() => importLibvirtXml([{ path, content }]), message);

  it('refuses entity declarations (an entity bomb) by file and line', () => {
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE interface [\n <!ENTITY a "aaaaaaaaaa">\n <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<interface type='ethernet' name='&b;'/>\n`;
    refuse('bomb.xml', bomb, /^HostwireError: bomb\.xml:2: <!DOCTYPE> is not accepted: libvirt XML has no DOCTYPE or entity declarations$/);
  });

  it('refuses huge documents, malformed XML and foreign roots', () => {
    refuse('huge.xml', `<node>${'<!-- padding -->'.repeat(200_000)}</node>`, /^HostwireError: huge\.xml: is 3200013 bytes; a libvirt XML document here is at most 2097152 bytes$/);
    refuse('broken.xml', `<interface type='bridge' name='br0'>\n  <bridge>\n</interface>\n`, /^HostwireError: broken\.xml:3: is not well-formed XML: Expected closing tag 'bridge'/);
    refuse('pool.xml', `<pool type='dir'>\n<name>default</name></pool>`, /^HostwireError: pool\.xml:1: the root element is <pool>; use virsh iface-dumpxml, net-dumpxml or dumpxml output/);
    refuse('two.xml', `<network><name>a</name></network>\n<network><name>b</name></network>`, /^HostwireError: two\.xml:2: is not well-formed XML: Multiple possible root nodes found\.$/);
    refuse('empty.xml', `<?xml version="1.0"?>\n<!-- nothing -->\n`, /^HostwireError: empty\.xml:1: is not well-formed XML: Start tag expected\.$/);
  });

  it('refuses values outside what libvirt and hostwire allow, at their line', () => {
    refuse('vlan.xml', `<interface type='vlan' name='eth0.5000'>\n  <vlan tag='5000'>\n    <interface name='eth0'/>\n  </vlan>\n</interface>`, /^HostwireError: vlan\.xml:2: <vlan tag='5000'>: tag must be a whole number from 1 to 4094$/);
    refuse('team.xml', `<node>\n<interface type='team' name='team0'/>\n</node>`, /^HostwireError: team\.xml:2: interface type 'team' is not one of: ethernet, bond, vlan, bridge$/);
    refuse('mtu.xml', `<interface type='ethernet' name='eth0'>\n<mtu size='65536'/>\n</interface>`, /^HostwireError: mtu\.xml:2: <mtu size='65536'>: size must be a whole number from 68 to 9216$/);
    refuse('bond.xml', `<interface type='bond' name='bond0'>\n  <bond mode='fastest'>\n    <interface type='ethernet' name='eth0'/>\n  </bond>\n</interface>`, /^HostwireError: bond\.xml:1: bond0: Invalid option: expected one of "balance-rr"\|"active-backup"/);
    refuse('domain.xml', `<domain type='kvm'>\n<name>vm1</name>\n<devices>\n<interface type='bridge'>\n<source bridge='br0'/>\n</interface>\n</devices>\n</domain>`, /^HostwireError: domain\.xml:4: VM vm1: an <interface> needs <mac address=\.\.\.>/);
    refuse('snippet.xml', `<interface type='bridge'>\n<mac address='52:54:00:00:00:01'/>\n<source bridge='br0'/>\n</interface>`, /^HostwireError: snippet\.xml:1: a guest <interface> on its own names no VM; import the domain it belongs to \(virsh dumpxml\)$/);
    assert.throws(
      () => importLibvirtXml([{ path: 'a.xml', content: `<interface type='ethernet' name='eth0'><mtu size='1500'/></interface>` }, { path: 'b.xml', content: `<interface type='ethernet' name='eth0'>\n<mtu size='9000'/></interface>` }]),
      /^HostwireError: b\.xml:1: eth0 has mtu 9000 here but 1500 at a\.xml:1$/,
    );
  });

  it('keeps what it cannot model as warnings with file and line', () => {
    const imported = importLibvirtXml([
      { path: 'default.xml', content: `<network>\n<name>default</name>\n<forward mode='nat'/>\n<bridge name='virbr0'/>\n</network>` },
      { path: 'eth0.10.xml', content: `<interface type='vlan' name='eth0.10'>\n<start mode='onboot'/>\n<link state='down'/>\n<protocol family='ipv4'>\n<dhcp/>\n</protocol>\n<vlan tag='10'><interface name='eth0'/></vlan>\n</interface>` },
    ]);
    assert.deepEqual(imported.interfaces.map((spec) => spec.name).sort(), ['eth0', 'eth0.10']);
    assert.deepEqual(imported.linkState, { 'eth0.10': 'down' });
    assert.deepEqual(imported.warnings, [
      'default.xml:1: network default (forward mode nat) is not a host bridge libvirt attaches guests to; not imported',
      'eth0.10.xml:4: eth0.10: dynamic ipv4 addressing is not modelled; only static addresses are imported',
      'eth0.10.xml:1: eth0, the parent of eth0.10, is not described; taken as a NIC',
    ]);
  });
});
