/**
 * The interfaces-file importer: random declarations survive render -> import in both dialects with
 * nothing ignored and nothing unread; hand-written files (seed 003's Xen host with includes, a
 * Debian take on seed 001's Oracle VM host) import to the graph they describe and keep their meaning
 * through render and re-import; malformed files are refused at their file and line, where classic
 * ifquery refuses them too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { importInterfacesFile } from '../src/connectors/linux/interfaces-file.ts';
import { readSources, type ImportedNetwork, type SourceFile } from '../src/connectors/host-facts.ts';
import { parseInterfaceAddress, prefixContains, parseAddress } from '../src/domain/address.ts';
import { HostwireError } from '../src/domain/errors.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../src/domain/interfaces.ts';
import { diffNetworks } from '../src/domain/network-diff.ts';
import type { RenderedFile, RenderInput } from '../src/render/files.ts';
import { renderIfupdown } from '../src/render/ifupdown/index.ts';
import { renderIfupdown2 } from '../src/render/ifupdown2/index.ts';
import { arbitraryLinuxNetwork } from './support/arbitrary-network.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

const DIALECTS = { ifupdown: renderIfupdown, ifupdown2: renderIfupdown2 } as const;

const host = (interfaces: InterfaceSpec[], extra: Partial<RenderInput> = {}): RenderInput => ({ name: 'h1', platform: 'kvm', osFamily: 'debian', interfaces, ...extra });
const asSource = (files: RenderedFile[]): SourceFile[] => files.map((file) => ({ path: file.path.replace(/^etc\/network\//, ''), content: file.content }));

/** Renders what was imported (its default gateway as its subnet's) and imports the rendering again. */
function reimport(imported: ImportedNetwork, render: (input: RenderInput) => RenderedFile[]): ImportedNetwork {
  const subnets: RenderInput['subnets'] = {};
  const { gateway } = imported;
  for (const spec of imported.interfaces) {
    if (spec.name !== gateway?.interface || !('addresses' in spec)) continue;
    for (const text of spec.addresses ?? []) {
      const { address, prefix } = parseInterfaceAddress(text);
      if (prefixContains(prefix, parseAddress(gateway.address))) subnets[address.text] = { name: 'imported', gateway: gateway.address, dns: [], domain: null, vlan: 0 };
    }
  }
  return importInterfacesFile(asSource(render(host(imported.interfaces, { subnets }))));
}

describe('interfaces file round trip: import(render(d)) == d', () => {
  for (const [dialect, render] of Object.entries(DIALECTS)) {
    it(`${dialect}: random Linux networks, every field compared, no warnings`, () => {
      fc.assert(
        fc.property(arbitraryLinuxNetwork({ vlanAwareBridges: dialect === 'ifupdown2' }), (declared) => {
          let files: RenderedFile[];
          try {
            files = render(host(declared));
          } catch (error) {
            // What a dialect refuses is tested with its renderer; the rest must come back whole.
            fc.pre(!(error instanceof HostwireError));
            throw error;
          }
          const imported = importInterfacesFile(asSource(files));
          assert.deepEqual(diffNetworks(declared, imported.interfaces, 'kvm'), []);
          assert.deepEqual(imported.warnings, []);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe("hand-written interfaces files", () => {
  after(removeRendered);
  const xenFixture = join(import.meta.dirname, 'fixtures', 'seed-003-xen');

  it("imports seed 003's Xen host with its interfaces.d includes, implied VLAN ports, alias and IPv6 stanza", () => {
    // The fixture is a real interfaces file: classic ifupdown reads it, includes and all.
    const listed = spawnSync('ifquery', ['-i', join(xenFixture, 'interfaces'), '--list', '-a'], { encoding: 'utf8' });
    assert.equal(listed.stderr, '');
    assert.deepEqual(listed.stdout.trim().split('\n'), ['lo', 'eth0', 'eth0.2', 'xenbr2', 'xenbr2:1', 'xenbr10', 'vlan100', 'xenbr100', 'eth0.200', 'xenbr200']);

    const imported = importInterfacesFile(readSources(xenFixture));
    const bridge = (name: string, port: string, addresses?: string[]) => ({ kind: 'bridge', name, ports: [port], stp: false, forwardDelay: 0, ...(addresses ? { addresses } : {}) });
    const expected = parseInterfaceSet(
      [
        { kind: 'physical', name: 'eth0', mac: '00:16:3e:10:00:01', mtu: 1500 },
        { kind: 'vlan', name: 'eth0.2', parent: 'eth0', vlan: 2 },
        bridge('xenbr2', 'eth0.2', ['192.168.0.10/16', '192.168.0.11/16']),
        { kind: 'vlan', name: 'eth0.10', parent: 'eth0', vlan: 10 },
        bridge('xenbr10', 'eth0.10'),
        { kind: 'vlan', name: 'eth0.20', parent: 'eth0', vlan: 20 },
        bridge('xenbr20', 'eth0.20'),
        { kind: 'vlan', name: 'vlan100', parent: 'eth0', vlan: 100 },
        bridge('xenbr100', 'vlan100'),
        { kind: 'vlan', name: 'eth0.200', parent: 'eth0', vlan: 200 },
        bridge('xenbr200', 'eth0.200', ['2001:db8:200::10/64']),
      ],
      'xen',
    );
    assert.deepEqual(diffNetworks(expected, imported.interfaces, 'xen'), []);
    assert.deepEqual(imported.gateway, { interface: 'xenbr2', address: '192.168.0.1' });
    assert.deepEqual(imported.linkState, {});
    assert.deepEqual(imported.warnings, [
      'interfaces:25: dns-nameservers of xenbr2 is not modelled; ignored',
      'interfaces:29: bridge-maxwait of xenbr2 is not modelled; ignored',
      'interfaces.d/access:12: post-up of xenbr100 is not modelled; ignored',
    ]);
  });

  it("keeps the Xen host's meaning, default route included, through each dialect and back", () => {
    const imported = importInterfacesFile(readSources(xenFixture));
    for (const [dialect, render] of Object.entries(DIALECTS)) {
      const again = reimport(imported, render);
      assert.deepEqual(diffNetworks(imported.interfaces, again.interfaces, 'xen'), [], dialect);
      assert.deepEqual(again.gateway, imported.gateway, dialect);
      assert.deepEqual(again.warnings, [], dialect);
    }
  });

  it("reads a Debian take on seed 001: slaves naming their bond, mode 4, VLANs on the bond, the address on an alias", () => {
    const seed001 = `# Seed 001's Oracle VM layout, as a Debian admin writes it
auto eth0
iface eth0 inet manual
    bond-master bond0
    hwaddress ether 00:14:5e:c0:ff:ee

auto eth1
iface eth1 inet manual
    bond-master bond0

auto bond0
iface bond0 inet manual
    bond_mode 4
    bond_miimon 100
    bond-slaves none
    mtu 9000

${[50, 51, 100].map((vlan) => `auto bond0.${vlan}\niface bond0.${vlan} inet manual\n\nauto vlan${vlan}\niface vlan${vlan} inet manual\n    bridge_ports bond0.${vlan}\n    bridge_stp off\n`).join('\n')}
auto vlan100:1
iface vlan100:1 inet static
    address 10.1.1.101
    netmask 255.255.255.0
    gateway 10.1.1.1
`;
    const root = writeRendered([{ path: 'interfaces', content: seed001 }], 'hostwire-seed001-');
    const listed = spawnSync('ifquery', ['-i', join(root, 'interfaces'), 'bond0'], { encoding: 'utf8' });
    assert.deepEqual([listed.stderr, listed.stdout], ['', 'bond_mode: 4\nbond_miimon: 100\nbond-slaves: none\nmtu: 9000\n']);

    const imported = importInterfacesFile([{ path: 'interfaces', content: seed001 }]);
    const expected = parseInterfaceSet(
      [
        { kind: 'physical', name: 'eth0', mac: '00:14:5e:c0:ff:ee', mtu: 9000 },
        { kind: 'physical', name: 'eth1', mtu: 9000 },
        { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: '802.3ad', miimon: 100, mtu: 9000 },
        ...[50, 51, 100].flatMap((vlan) => [
          { kind: 'vlan', name: `bond0.${vlan}`, parent: 'bond0', vlan },
          // A bridge whose ports run at the stack's MTU runs at it too; its VLAN ports inherit the bond's.
          { kind: 'bridge', name: `vlan${vlan}`, ports: [`bond0.${vlan}`], stp: false, ...(vlan === 100 ? { addresses: ['10.1.1.101/24'] } : {}) },
        ]),
      ],
      'ovm',
    );
    assert.deepEqual(diffNetworks(expected, imported.interfaces, 'ovm'), []);
    assert.deepEqual(imported.gateway, { interface: 'vlan100', address: '10.1.1.1' });
    assert.deepEqual(imported.warnings, []);
    for (const [dialect, render] of Object.entries(DIALECTS)) {
      const again = reimport(imported, render);
      assert.deepEqual(diffNetworks(imported.interfaces, again.interfaces, 'ovm'), [], dialect);
      assert.deepEqual(again.gateway, imported.gateway, dialect);
    }
  });

  it('reads the Proxmox dialect: CIDR addresses, a VLAN-aware bridge with vids, vlan-id on any name, a bridge MTU from its ports', () => {
    const proxmox = `auto lo
iface lo inet loopback

iface eno1 inet manual
        mtu 9000

auto bond0
iface bond0 inet manual
        bond-slaves eno1
        bond-miimon 100
        bond-mode 802.3ad
        bond-xmit-hash-policy layer3+4
        bond-lacp-rate 1
        mtu 9000

auto vmbr0
iface vmbr0 inet static
        address 10.0.0.5/24
        address 10.0.1.5/24
        gateway 10.0.0.1
        bridge-ports bond0
        bridge-stp off
        bridge-fd 0
        bridge-vlan-aware yes
        bridge-vids 2-4094

iface vmbr0 inet6 static
        address 2001:db8::5/64

auto storage
iface storage
        vlan-raw-device bond0
        vlan-id 30
        mtu 9000
        address 172.16.30.5/24
`;
    const imported = importInterfacesFile([{ path: 'interfaces', content: proxmox }]);
    const expected = parseInterfaceSet(
      [
        { kind: 'physical', name: 'eno1' },
        { kind: 'bond', name: 'bond0', members: ['eno1'], mode: '802.3ad', miimon: 100, xmitHashPolicy: 'layer3+4', lacpRate: 'fast', mtu: 9000 },
        { kind: 'bridge', name: 'vmbr0', ports: ['bond0'], stp: false, forwardDelay: 0, vlanAware: true, vids: [{ first: 2, last: 4094 }], mtu: 9000, addresses: ['10.0.0.5/24', '10.0.1.5/24', '2001:db8::5/64'] },
        { kind: 'vlan', name: 'storage', parent: 'bond0', vlan: 30, mtu: 9000, addresses: ['172.16.30.5/24'] },
      ],
      'kvm',
    );
    assert.deepEqual(diffNetworks(expected, imported.interfaces, 'kvm'), []);
    assert.deepEqual(imported.warnings, []);
    const again = reimport(imported, renderIfupdown2);
    assert.deepEqual(diffNetworks(imported.interfaces, again.interfaces, 'kvm'), []);
    assert.deepEqual(again.gateway, { interface: 'vmbr0', address: '10.0.0.1' });
  });

  it('reports DHCP, mappings, Open vSwitch stanzas and includes that match nothing as warnings with file and line', () => {
    const imported = importInterfacesFile([
      { path: 'interfaces', content: 'auto br0\niface br0 inet dhcp\n    bridge_ports eth0\n\nmapping eth1\n    script /usr/local/sbin/map-scheme\n    map HOME eth1-home\n\nallow-ovs ovsbr0\niface ovsbr0 inet manual\n    ovs_type OVSBridge\n\nsource-directory /etc/network/interfaces.d\nsource extra/*.cfg\n' },
    ]);
    assert.deepEqual(diffNetworks(parseInterfaceSet([{ kind: 'physical', name: 'eth0' }, { kind: 'bridge', name: 'br0', ports: ['eth0'] }], 'kvm'), imported.interfaces, 'kvm'), []);
    assert.deepEqual(imported.warnings, [
      'interfaces:13: source-directory /etc/network/interfaces.d matches none of the given files; nothing included',
      'interfaces:14: source extra/*.cfg matches none of the given files; nothing included',
      'interfaces:5: mapping is not modelled; ignored',
      'interfaces:2: br0 takes its inet configuration by dhcp, which a declaration does not carry; no address imported from it',
      'interfaces:10: ovsbr0 is an Open vSwitch stanza (ovs_type), which this importer does not read; ignored',
    ]);
  });
});

describe('malformed interfaces files are refused with their file and line', () => {
  after(removeRendered);
  /** Imports the files and returns the refusal's message; the entry file is `interfaces`. */
  const refusal = (files: Record<string, string>): string => {
    try {
      importInterfacesFile(Object.entries(files).map(([path, content]) => ({ path, content })));
    } catch (error) {
      assert.ok(error instanceof HostwireError, String(error));
      assert.equal(error.kind, 'validation');
      return error.message;
    }
    assert.fail('the import was not refused');
  };
  /** Classic ifquery refuses the same file, at the same line. */
  const ifqueryRefuses = (content: string, line: number) => {
    const file = join(writeRendered([{ path: 'interfaces', content }], 'hostwire-bad-interfaces-'), 'interfaces');
    const run = spawnSync('ifquery', ['-i', file, '--list'], { encoding: 'utf8' });
    assert.notEqual(run.status, 0, content);
    assert.ok(run.stderr.includes(`${file}:${line}:`), run.stderr);
  };

  it('refuses what classic ifupdown refuses too: an option before any stanza, an iface line without its method, an unknown method', () => {
    const cases: [string, RegExp][] = [
      ['# management\n    address 10.0.0.1/24\niface eth0 inet static\n', /^interfaces:2: 'address' is outside any stanza; options go under an 'iface NAME inet\|inet6 METHOD' line/],
      ['auto eth0\niface eth0 inet\n', /^interfaces:2: write an iface line as 'iface NAME inet\|inet6 METHOD'/],
      ['iface eth0 inet static\n  address 10.0.0.1/24\n\niface eth1 inet magic\n', /^interfaces:4: method 'magic' of eth1 is not an inet method; use one of: loopback, static, manual, dhcp/],
    ];
    for (const [content, message] of cases) {
      assert.match(refusal({ interfaces: content }), message);
      ifqueryRefuses(content, Number(message.source.match(/interfaces:([0-9]+)/)![1]));
    }
  });

  it('refuses bad values ifquery passes through unchecked, naming the option and what is allowed', () => {
    const stanza = (options: string) => `auto eth0\niface eth0 inet static\n${options}`;
    assert.match(refusal({ interfaces: stanza('    mtu jumbo\n') }), /^interfaces:3: mtu 'jumbo' is not valid: an MTU is a whole number from 68 to 9216$/);
    assert.match(refusal({ interfaces: stanza('    address 10.0.0.300/24\n') }), /^interfaces:3: address of eth0: '10\.0\.0\.300' is not a valid IPv4 address/);
    assert.match(refusal({ interfaces: stanza('    address 10.0.0.3\n    netmask 255.0.255.0\n') }), /^interfaces:4: netmask '255\.0\.255\.0' is not valid; write a dotted mask such as 255\.255\.255\.0/);
    assert.match(refusal({ interfaces: stanza('    hwaddress ether 00:16:3e\n') }), /^interfaces:3: hwaddress 'ether 00:16:3e' is not valid/);
    assert.match(refusal({ interfaces: stanza('    gateway 10.0.0.256\n') }), /^interfaces:3: gateway of eth0: '10\.0\.0\.256' is not a valid IPv4 address/);
    assert.match(refusal({ interfaces: 'iface eth0.5000 inet manual\n' }), /^interfaces:1: VLAN eth0\.5000: id 5000 is outside 1-4094/);
    assert.match(refusal({ interfaces: 'iface br0 inet manual\n    bridge_ports eth0\n    bridge_stp maybe\n' }), /^interfaces:3: bridge-stp 'maybe' is not valid; use on or off/);
    assert.match(refusal({ interfaces: 'iface bond0 inet manual\n    bond-slaves glob eno[1-2]\n' }), /^interfaces:2: bond-slaves uses a glob expansion; list the interfaces by name/);
    assert.match(refusal({ interfaces: 'iface br0 inet manual\n    bridge-ports eth0\n    bridge-vlan-aware yes\n    bridge-vids 10 30-20\n' }), /^interfaces:4: bridge-vids '30-20' is not a VLAN id or range/);
    assert.match(refusal({ interfaces: 'iface bond0 inet manual\n    bond-slaves eth0\n    bond-mode 7\n' }), /^interfaces:3: bond-mode '7' is not valid; use one of: balance-rr, active-backup, balance-xor, broadcast, 802\.3ad, balance-tlb, balance-alb \(or 0-6 for balance-rr/);
  });

  it('refuses contradictions: an option set twice, a NIC in two bonds, an alias of nothing, a hostile name', () => {
    assert.match(refusal({ interfaces: 'iface eth0 inet static\n    mtu 1500\n    address 10.0.0.1/24\niface eth0 inet6 static\n    mtu 9000\n' }), /^interfaces:5: mtu of eth0 is set again \(9000\); it was 1500 at interfaces:2: give it once$/);
    assert.match(refusal({ interfaces: 'iface bond0 inet manual\n    bond-slaves eth0\n\niface bond1 inet manual\n    bond-slaves eth0 eth1\n' }), /^interfaces:4: bond1: 'eth0' is already used by bond0; an interface can belong to one bond, switch or bridge$/);
    assert.match(refusal({ interfaces: 'iface vlan100:1 inet static\n    address 10.1.1.101/24\n' }), /^interfaces:1: vlan100:1 is an alias of vlan100, which has no iface stanza$/);
    assert.match(refusal({ interfaces: 'auto eth0;reboot\niface eth0;reboot inet manual\n' }), /^interfaces:2: eth0;reboot: letters, digits and _ \. : @ - or space/);
  });

  it('refuses include loops and names the including line, and needs an interfaces file to start from', () => {
    assert.match(
      refusal({ interfaces: 'auto eth0\niface eth0 inet manual\nsource interfaces.d/*\n', 'interfaces.d/loop': '# back to the top\nsource /etc/network/interfaces\n' }),
      /^interfaces\.d\/loop:2: source \/etc\/network\/interfaces includes interfaces, which is already being read: the includes form a loop$/,
    );
    assert.match(refusal({ 'ifcfg-eth0': 'DEVICE=eth0\n', 'ifcfg-eth1': 'DEVICE=eth1\n' }), /^ifcfg-eth0, ifcfg-eth1: none of these is an interfaces file; point at \/etc\/network\/interfaces or the folder holding it$/);
  });
});
