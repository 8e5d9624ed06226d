/**
 * The Linux importers against their real producers and consumers:
 * - ifcfg and netplan round trips over random declarations: import(render(d)) == d by meaning;
 * - seed 001's own network-scripts files import to its declaration and render back key for key;
 * - a netplan folder merges as `netplan get` merges it;
 * - live facts from a real network namespace (veth, bridge, addresses, MTU, a down link), through
 *   collect-facts.sh and through the raw commands, and from documented-format fixtures of what this
 *   kernel cannot build (an 802.3ad bond with a member down, an 802.1Q VLAN, a guest tap);
 * - hostile and malformed input refused at its file and line, saying what is allowed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { readSources, type SourceFile } from '../src/connectors/host-facts.ts';
import { importIfcfg } from '../src/connectors/linux/ifcfg.ts';
import { importLinuxFacts } from '../src/connectors/linux/live.ts';
import { importNetplan } from '../src/connectors/linux/netplan.ts';
import { parseDeclaration } from '../src/domain/declaration.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../src/domain/interfaces.ts';
import { diffNetworks } from '../src/domain/network-diff.ts';
import { renderIfcfg } from '../src/render/ifcfg/index.ts';
import { renderNetplan } from '../src/render/netplan/index.ts';
import { arbitraryLinuxNetwork } from './support/arbitrary-network.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';
import { assertSeedKeys, seedIfcfgFiles } from './support/seed-001.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const COLLECTOR = join(import.meta.dirname, '..', 'src', 'connectors', 'linux', 'collect-facts.sh');
const host = (interfaces: InterfaceSpec[]) => ({ name: 'kvm1', platform: 'kvm' as const, osFamily: 'rhel' as const, interfaces });
const file = (path: string, content: string): SourceFile => ({ path, content });
/** Interfaces in name order: sources list them in their own orders, which carry no meaning. */
const byName = (list: readonly { name: string }[]) => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const seedDeclaration = () => {
  const [ovm] = parseAllDocuments(readFileSync(join(fixtures, 'seed-001.yaml'), 'utf8')).map((document) => parseDeclaration(document.toJS()));
  return parseInterfaceSet(ovm!.interfaces, 'ovm');
};

describe('ifcfg import', () => {
  it('reads back every random rendering with the same meaning', () => {
    // Nothing is ignored: ifcfg carries every field a Linux declaration has (the vmk's own name
    // aside, which the normal form folds into its bridge anyway).
    fc.assert(
      fc.property(arbitraryLinuxNetwork(), (declared) => {
        const imported = importIfcfg(renderIfcfg(host(declared)));
        assert.deepEqual(diffNetworks(declared, imported.interfaces, 'kvm'), []);
        assert.deepEqual(imported.warnings, []);
      }),
      { numRuns: 200 },
    );
  });

  it("imports seed 001's files as its declaration, and renders them back key for key", () => {
    const declared = seedDeclaration();
    const macs = new Map(declared.flatMap((spec) => (spec.kind === 'physical' && spec.mac ? [[spec.name, spec.mac] as const] : [])));
    const raw = seedIfcfgFiles();
    // The seed writes HWADDR=<INTERFACE MAC ADDRESS>: to a shell that is a redirection, not a value.
    assert.throws(() => importIfcfg(raw), /^HostwireError: etc\/sysconfig\/network-scripts\/ifcfg-eth0:3: '<' is shell syntax, not part of a value: write KEY=value/);
    const files = raw.map((seed) => ({ ...seed, content: seed.content.replace('<INTERFACE MAC ADDRESS>', macs.get(seed.path.split('ifcfg-')[1]!) ?? '') }));
    const imported = importIfcfg(files);
    assert.deepEqual(diffNetworks(declared, imported.interfaces, 'ovm'), []);
    assert.deepEqual(imported.warnings, []);
    assert.deepEqual(
      imported.interfaces.find((spec) => spec.name === 'vlan100'),
      { kind: 'bridge', name: 'vlan100', flavor: 'linux', ports: ['bond0.100'], stp: false, addresses: ['10.1.1.101/24'] },
    );
    assertSeedKeys(new Map(renderIfcfg({ ...host(imported.interfaces), platform: 'ovm' }).map((rendered) => [rendered.path, rendered.content])));
  });

  it('reads quoting, comments, numbered addresses, bonding options by number, aliases and the gateway as initscripts do', () => {
    const dir = 'network-scripts';
    const imported = importIfcfg([
      file(`${dir}/ifcfg-bond1`, '# uplink team\nDEVICE=bond1\nBONDING_OPTS="mode=1 miimon=200 primary=em1 updelay=400"  # failover\nMTU=9000\n'),
      file(`${dir}/ifcfg-em1`, "DEVICE='em1'\nHWADDR=52:54:00:AA:00:01\nMASTER=bond1\nSLAVE=yes\n"),
      file(`${dir}/ifcfg-em2`, 'DEVICE=em2\nHWADDR="52:54:00:aa:00:02"\nMASTER=bond1\nSLAVE=yes\nIPADDR=192.0.2.99\nPREFIX=24\n'),
      file(`${dir}/ifcfg-vlan30`, 'DEVICE=vlan30\nVLAN=yes\nPHYSDEV=bond1\nVLAN_ID=30\nBRIDGE=br30\n'),
      file(`${dir}/ifcfg-br30`, 'DEVICE=br30\nTYPE=Bridge\nSTP=yes\nDELAY=2\nIPADDR=198.51.100.10\nNETMASK=255.255.255.128\nIPADDR1=198.51.100.200\nPREFIX1=25\nIPADDR4=203.0.113.1\nPREFIX4=24\nIPV6ADDR=2001:DB8::10\nIPV6ADDR_SECONDARIES="2001:db8:1::10/56"\nGATEWAY=198.51.100.1\n'),
      file(`${dir}/ifcfg-br30:1`, 'IPADDR=203.0.113.50\nNETMASK=255.255.255.0\n'),
      file(`${dir}/ifcfg-br30.bak`, 'DEVICE=br30\nTYPE=Bridge\n'),
      file(`${dir}/route-br30`, '10.0.0.0/8 via 198.51.100.1\n'),
      file(`${dir}/ifup-eth`, '#!/bin/bash\n'),
    ]);
    assert.deepEqual(imported.interfaces, [
      { kind: 'bond', name: 'bond1', driver: 'bond', members: ['em1', 'em2'], mode: 'active-backup', miimon: 200, primary: 'em1', mtu: 9000 },
      {
        kind: 'bridge',
        name: 'br30',
        flavor: 'linux',
        ports: ['vlan30'],
        stp: true,
        forwardDelay: 2,
        addresses: ['198.51.100.10/25', '198.51.100.200/25', '2001:DB8::10/64', '2001:db8:1::10/56', '203.0.113.50/24'],
      },
      { kind: 'physical', name: 'em1', mac: '52:54:00:aa:00:01' },
      { kind: 'physical', name: 'em2', mac: '52:54:00:aa:00:02' },
      { kind: 'vlan', name: 'vlan30', parent: 'bond1', vlan: 30 },
    ]);
    assert.deepEqual(imported.gateway, { interface: 'br30', address: '198.51.100.1' });
    assert.deepEqual(imported.warnings, [
      'network-scripts/ifcfg-br30.bak: a backup file, which initscripts ignore; skipped',
      'network-scripts/route-br30: static routes and rules are not imported',
      'network-scripts/ifcfg-bond1:3: BONDING_OPTS updelay=400 is not modelled; it is left out',
      'network-scripts/ifcfg-br30: IPADDR4 follows a missing IPADDR2; initscripts stop there, so it is left out',
      'network-scripts/ifcfg-em2: em2 is a bond slave or bridge port, where initscripts configure no address; its addresses are left out',
    ]);
  });

  it('refuses hostile and malformed files at their line, saying what is allowed', () => {
    const refused = (content: string, pattern: RegExp, extra: SourceFile[] = []) => assert.throws(() => importIfcfg([file('ifcfg-eth0', content), ...extra]), pattern);
    refused('DEVICE=eth0\nMTU=$(reboot)\n', /^HostwireError: ifcfg-eth0:2: '\$' is shell syntax, not part of a value: write KEY=value, a # comment or a blank line/);
    refused('DEVICE=eth0\nNAME="System `id` eth0"\n', /ifcfg-eth0:2: '`' inside double quotes would be expanded by the shell/);
    refused('DEVICE=eth0\nNAME="eth0\n', /ifcfg-eth0:2: the double quote is not closed on this line/);
    refused('DEVICE=eth0\nONBOOT=yes; rm -rf /\n', /ifcfg-eth0:2: ';' is shell syntax/);
    refused('DEVICE=eth0\nip link set eth0 up\n', /ifcfg-eth0:2: 'ip link set eth0 up' is not an assignment/);
    refused('DEVICE=eth0\nIPADDR=192.0.2.1\nNETMASK=255.0.255.0\n', /ifcfg-eth0:3: NETMASK=255\.0\.255\.0 is not a netmask such as 255\.255\.255\.0/);
    refused('DEVICE=eth0\nIPADDR=192.0.2.1\n', /ifcfg-eth0:2: IPADDR has no PREFIX or NETMASK; add one/);
    refused('DEVICE=eth0\nMTU=65000\n', /ifcfg-eth0:2: eth0: Too big: expected number to be <=9216/);
    refused('DEVICE=eth0\nHWADDR=00:11:22:33:44\n', /ifcfg-eth0:2: eth0: a MAC address such as 00:50:56:aa:bb:cc/);
    refused('DEVICE=eth0\nMASTER=bond9\nSLAVE=yes\n', /ifcfg-eth0:2: MASTER=bond9: no ifcfg file defines a bond named bond9/);
    refused('DEVICE=eth0\n', /ifcfg-vlan7:2: VLAN vlan7 names no parent and ID: set PHYSDEV and VLAN_ID, or name the device PARENT\.ID/, [file('ifcfg-vlan7', 'DEVICE=vlan7\nVLAN=yes\n')]);
    refused('DEVICE=eth0\n', /ifcfg-bond0:1: BONDING_OPTS: mode=9 is unknown; use one of balance-rr, active-backup, balance-xor, broadcast, 802\.3ad, balance-tlb, balance-alb or its number 0-6/, [file('ifcfg-bond0', 'BONDING_OPTS="mode=9"\n')]);
    refused(`DEVICE=eth0\n#${'x'.repeat(70 * 1024)}\n`, /ifcfg-eth0: is \d+ bytes; an ifcfg file is at most 65536 bytes/);
  });
});

describe('netplan import', () => {
  after(removeRendered);

  it('reads back every random rendering with the same meaning', () => {
    // Nothing is ignored: netplan carries every field a Linux declaration has.
    fc.assert(
      fc.property(arbitraryLinuxNetwork(), (declared) => {
        const imported = importNetplan(renderNetplan({ ...host(declared), osFamily: 'netplan' }));
        assert.deepEqual(diffNetworks(declared, imported.interfaces, 'kvm'), []);
        assert.deepEqual(imported.warnings, []);
      }),
      { numRuns: 200 },
    );
  });

  it('merges a folder of files as netplan itself does (netplan get), and netplan generate accepts it', () => {
    const files = [
      { path: 'etc/netplan/10-nics.yaml', content: 'network:\n  version: 2\n  ethernets:\n    nic0:\n      match: {macaddress: 52:54:00:01:51:00}\n      set-name: eno1\n    eno2: {mtu: 1500}\n', mode: 0o600 },
      { path: 'etc/netplan/20-bond.yaml', content: 'network:\n  bonds:\n    bond0:\n      interfaces: [nic0]\n      parameters: {mode: active-backup, mii-monitor-interval: 100, primary: nic0}\n  ethernets:\n    eno2: {mtu: 9000}\n', mode: 0o600 },
      { path: 'etc/netplan/30-vlan.yaml', content: 'network:\n  bonds:\n    bond0:\n      interfaces: [eno2]\n  vlans:\n    bond0.20: {id: 20, link: bond0}\n  bridges:\n    br20:\n      interfaces: [bond0.20]\n      addresses: [192.0.2.5/24]\n      routes: [{to: default, via: 192.0.2.1}]\n', mode: 0o600 },
      // run/ shadows etc/ under the same name: this file's bridge wins, the etc/ one is never read.
      { path: 'etc/netplan/40-extra.yaml', content: 'network:\n  bridges:\n    br20: {addresses: [198.51.100.9/24]}\n', mode: 0o600 },
      { path: 'run/netplan/40-extra.yaml', content: 'network:\n  bridges:\n    br20:\n      addresses: ["2001:db8::5/64"]\n      parameters: {forward-delay: 4}\n', mode: 0o600 },
    ];
    const root = writeRendered(files, 'hostwire-netplan-import-');
    execFileSync('netplan', ['generate', '--root-dir', root], { stdio: 'pipe' });
    const merged = execFileSync('netplan', ['get', '--root-dir', root, 'all'], { encoding: 'utf8' });
    const imported = importNetplan(readSources(root));
    assert.deepEqual(byName(imported.interfaces), byName(importNetplan([file('merged.yaml', merged)]).interfaces));
    assert.deepEqual(imported.interfaces, [
      { kind: 'physical', name: 'eno1', mac: '52:54:00:01:51:00' },
      { kind: 'physical', name: 'eno2', mtu: 9000 },
      { kind: 'bond', name: 'bond0', driver: 'bond', members: ['eno1', 'eno2'], mode: 'active-backup', miimon: 100, primary: 'eno1' },
      { kind: 'vlan', name: 'bond0.20', vlan: 20, parent: 'bond0' },
      // netplan turns STP on unless a file says otherwise.
      { kind: 'bridge', name: 'br20', flavor: 'linux', ports: ['bond0.20'], stp: true, forwardDelay: 4, addresses: ['192.0.2.5/24', '2001:db8::5/64'] },
    ]);
    assert.deepEqual(imported.gateway, { interface: 'br20', address: '192.0.2.1' });
  });

  it('refuses invalid YAML and invalid values at their line, saying what is allowed', () => {
    const refused = (content: string, pattern: RegExp) => assert.throws(() => importNetplan([file('etc/netplan/50-bad.yaml', content)]), pattern);
    refused('network:\n  version: 2\n  ethernets:\n    eth0: {mtu: 9000\n', /^HostwireError: etc\/netplan\/50-bad\.yaml:5: not valid YAML \(Flow map in block collection must be sufficiently indented and end with a \}\); a netplan file is a YAML mapping starting with 'network:'/);
    refused('- just\n- a list\n', /50-bad\.yaml:1: a netplan file is a mapping with one key, 'network:'/);
    refused('network:\n  version: 3\n', /50-bad\.yaml:2: network\.version must be 2/);
    refused('network:\n  version: 2\n  vlans:\n    v5000: {id: 5000, link: eth0}\n  ethernets: {eth0: {}}\n', /50-bad\.yaml:4: v5000: Too big: expected number to be <=4094/);
    refused('network:\n  version: 2\n  vlans:\n    v10:\n      id: 10\n      link: eth9\n', /50-bad\.yaml:6: vlans\.v10\.link: eth9 is not defined in ethernets, bonds, vlans or bridges/);
    refused('network:\n  version: 2\n  bonds:\n    bond0:\n      interfaces: []\n      parameters: {mode: round-robin}\n', /50-bad\.yaml:6: mode: 'round-robin' is not one of balance-rr, active-backup/);
    refused('network:\n  version: 2\n  ethernets:\n    eth0: &nic {mtu: 1500}\n    eth1: *nic\n', /50-bad\.yaml:5: the alias \*nic is not read; write the value out/);
    refused('network:\n  version: 2\n  ethernets: {br0: {}}\n  bridges: {br0: {}}\n', /50-bad\.yaml:4: br0 is defined in both ethernets and bridges/);
  });
});

/** Runs a command inside a network namespace. */
const inNamespace = (namespace: string, command: string[], env: NodeJS.ProcessEnv = process.env) => execFileSync('ip', ['netns', 'exec', namespace, ...command], { encoding: 'utf8', env });

describe('live Linux facts', () => {
  const namespace = `hw-facts-${process.pid}`;
  const peers = `hw-peers-${process.pid}`;
  const scratch = mkdtempSync(join(tmpdir(), 'hostwire-facts-'));

  before(() => {
    for (const name of [namespace, peers]) execFileSync('ip', ['netns', 'add', name]);
    const ip = (...args: string[]) => execFileSync('ip', ['-n', namespace, ...args]);
    // Two NICs (veth ends whose peers live in another namespace), a bridge on the first with
    // jumbo frames and static addresses, the second administratively down with its own address,
    // and a macvlan, which the model has no place for.
    execFileSync('ip', ['link', 'add', 'eth0', 'netns', namespace, 'type', 'veth', 'peer', 'name', 'peer0', 'netns', peers]);
    execFileSync('ip', ['link', 'add', 'eth1', 'netns', namespace, 'type', 'veth', 'peer', 'name', 'peer1', 'netns', peers]);
    execFileSync('ip', ['-n', peers, 'link', 'set', 'peer0', 'up']);
    execFileSync('ip', ['-n', peers, 'link', 'set', 'peer1', 'up']);
    ip('link', 'set', 'eth0', 'address', '52:54:00:00:00:01', 'mtu', '9000');
    ip('link', 'set', 'eth1', 'address', '52:54:00:00:00:02');
    ip('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '400');
    ip('link', 'set', 'eth0', 'master', 'br0');
    ip('link', 'set', 'br0', 'mtu', '9000');
    ip('link', 'add', 'mv0', 'link', 'eth1', 'type', 'macvlan', 'mode', 'bridge');
    ip('addr', 'add', '192.0.2.10/24', 'dev', 'br0');
    ip('addr', 'add', '2001:db8:10::10/64', 'dev', 'br0', 'nodad');
    ip('addr', 'add', '198.51.100.7/25', 'dev', 'eth1');
    for (const name of ['eth0', 'br0', 'lo']) ip('link', 'set', name, 'up');
    ip('route', 'add', 'default', 'via', '192.0.2.254', 'dev', 'br0');
    // The bridge reports UP once its port forwards; wait for the kernel (bounded), not a clock.
    for (let attempt = 0; attempt < 200; attempt++) {
      const [bridge] = JSON.parse(execFileSync('ip', ['-n', namespace, '-j', 'link', 'show', 'br0'], { encoding: 'utf8' })) as { operstate: string }[];
      if (bridge!.operstate === 'UP') break;
      execFileSync('sleep', ['0.05']);
    }
  });

  after(() => {
    for (const name of [namespace, peers]) execFileSync('ip', ['netns', 'del', name]);
    rmSync(scratch, { recursive: true, force: true });
  });

  const expectedInterfaces = [
    { kind: 'physical', name: 'eth0', mac: '52:54:00:00:00:01', mtu: 9000 },
    { kind: 'physical', name: 'eth1', mac: '52:54:00:00:00:02', addresses: ['198.51.100.7/25'] },
    { kind: 'bridge', name: 'br0', flavor: 'linux', ports: ['eth0'], stp: false, forwardDelay: 4, mtu: 9000, addresses: ['192.0.2.10/24', '2001:db8:10::10/64'] },
  ];
  const expectedLinkState = { eth0: 'up', eth1: 'down', br0: 'up', 'br0/eth0': 'up' };

  it('imports what collect-facts.sh prints in a real namespace, and the same from the raw commands', () => {
    const bundle = inNamespace(namespace, ['sh', COLLECTOR]);
    const fromBundle = importLinuxFacts([file('kvm1-facts.json', bundle)]);
    assert.deepEqual(byName(fromBundle.interfaces), byName(expectedInterfaces as InterfaceSpec[]));
    assert.deepEqual(fromBundle.linkState, expectedLinkState);
    assert.deepEqual(fromBundle.gateway, { interface: 'br0', address: '192.0.2.254' });
    assert.deepEqual(fromBundle.warnings, ['kvm1-facts.json#ipLink: mv0 is a macvlan device, which is not modelled; left out']);

    const folder = join(scratch, 'raw');
    mkdirSync(folder);
    writeFileSync(join(folder, 'ip-link.json'), inNamespace(namespace, ['ip', '-j', '-d', 'link', 'show']));
    writeFileSync(join(folder, 'ip-addr.json'), inNamespace(namespace, ['ip', '-j', 'addr', 'show']));
    writeFileSync(join(folder, 'ip-route.json'), inNamespace(namespace, ['ip', '-j', 'route', 'show', 'default']));
    writeFileSync(join(folder, 'bridge-link.json'), inNamespace(namespace, ['bridge', '-j', 'link', 'show']));
    const fromFolder = importLinuxFacts(readSources(folder));
    assert.deepEqual(byName(fromFolder.interfaces), byName(fromBundle.interfaces));
    assert.deepEqual(fromFolder.linkState, expectedLinkState);

    // hostwire host diff: the declaration matches, and the down NIC is reported.
    const declared = parseInterfaceSet(
      [
        { kind: 'physical', name: 'eth0', mac: '52:54:00:00:00:01' },
        { kind: 'physical', name: 'eth1', mac: '52:54:00:00:00:02', addresses: ['198.51.100.7/25'] },
        { kind: 'bridge', name: 'br0', ports: ['eth0'], stp: false, forwardDelay: 4, mtu: 9000 },
        { kind: 'vmk', name: 'mgmt', attachment: 'br0', addresses: ['192.0.2.10/24', '2001:db8:10::10/64'] },
      ],
      'kvm',
    );
    assert.deepEqual(diffNetworks(declared, fromBundle.interfaces, 'kvm', { linkState: fromBundle.linkState }), [{ interface: 'eth1', change: 'down', message: 'eth1 is down' }]);
  });

  it('carries a bonding file through the collector byte for byte (quotes, backslashes, tabs)', () => {
    const proc = join(scratch, 'proc');
    mkdirSync(join(proc, 'net', 'bonding'), { recursive: true });
    const text = readFileSync(join(fixtures, 'linux-facts', 'bonding', 'bond0'), 'utf8').replace('LACP active: on', 'LACP active: on "quoted" \\ back\tslash');
    writeFileSync(join(proc, 'net', 'bonding', 'bond0'), text);
    const bundle = JSON.parse(inNamespace(namespace, ['sh', COLLECTOR], { ...process.env, HOSTWIRE_PROC: proc })) as { format: string; version: number; bonding: Record<string, string> };
    assert.deepEqual([bundle.format, bundle.version, Object.keys(bundle.bonding)], ['hostwire-linux-facts', 1, ['bond0']]);
    assert.equal(bundle.bonding.bond0, text.replace(/\n$/, ''));
    assert.deepEqual(importLinuxFacts([file('facts.json', JSON.stringify(bundle))]).warnings, [
      'facts.json#ipLink: mv0 is a macvlan device, which is not modelled; left out',
      'facts.json#bonding/bond0: bond0 is not a bond in facts.json#ipLink; its bonding state is left out',
    ]);
  });

  it('imports an 802.3ad bond with a member down, a VLAN and a bridge from documented-format facts', () => {
    const imported = importLinuxFacts(readSources(join(fixtures, 'linux-facts')));
    assert.deepEqual(imported.interfaces, [
      { kind: 'physical', name: 'eth0', mac: '00:14:5e:c0:ff:ee', mtu: 9000 },
      // eth1's current MAC is the bond's; its own is the permanent one.
      { kind: 'physical', name: 'eth1', mac: '00:14:5e:c0:ff:ef', mtu: 9000 },
      { kind: 'bond', name: 'bond0', driver: 'bond', members: ['eth0', 'eth1'], mode: '802.3ad', miimon: 100, lacpRate: 'fast', xmitHashPolicy: 'layer3+4', mtu: 9000 },
      { kind: 'vlan', name: 'bond0.100', parent: 'bond0', vlan: 100, mtu: 9000 },
      { kind: 'bridge', name: 'vlan100', flavor: 'linux', ports: ['bond0.100'], stp: false, forwardDelay: 0, mtu: 9000, addresses: ['10.1.1.101/24'] },
    ]);
    assert.deepEqual(imported.linkState, { eth0: 'up', eth1: 'down', bond0: 'up', 'bond0.100': 'up', vlan100: 'up', 'bond0/eth0': 'up', 'bond0/eth1': 'down', 'vlan100/bond0.100': 'up' });
    assert.deepEqual(imported.gateway, { interface: 'vlan100', address: '10.1.1.1' });
    assert.deepEqual(imported.warnings, [
      'vlan100: guest NICs vnet0 are the guests\' interfaces, not the host\'s; left out',
      'ip-addr.json: vlan100 has dynamic (DHCP or SLAAC) addresses 10.1.1.150/24; only static ones are imported',
    ]);
    // Against seed 001's declaration: the missing VLANs, the bond options and MTU the host has that
    // the seed leaves unset, and the member whose link is down.
    const messages = diffNetworks(seedDeclaration(), imported.interfaces, 'ovm', { linkState: imported.linkState }).map((difference) => difference.message);
    assert.deepEqual(messages, [
      'bond0: MTU is 9000, declared (unset)',
      'bond0: LACP rate is fast, declared (unset)',
      'bond0: transmit hash policy is layer3+4, declared (unset)',
      'bond0: member eth1 is down',
      'bond0.100: MTU is 9000, declared (unset)',
      'bond0.50 (VLAN 50 on bond0) is declared but not present',
      'bond0.51 (VLAN 51 on bond0) is declared but not present',
      'eth0: MTU is 9000, declared (unset)',
      'eth1: MTU is 9000, declared (unset)',
      'eth1 is down',
      'vlan100: forward delay is 0, declared 15',
      'vlan100: MTU is 9000, declared (unset)',
      'vlan50 (bridge) is declared but not present',
      'vlan51 (bridge) is declared but not present',
    ]);
  });

  it('leaves out a VLAN whose parent is a device the model has no place for, with a warning', () => {
    const links = '[{"ifindex":2,"ifname":"mv0","link_type":"ether","operstate":"UP","linkinfo":{"info_kind":"macvlan"}},{"ifindex":3,"ifname":"mv0.5","link":"mv0","link_type":"ether","operstate":"UP","linkinfo":{"info_kind":"vlan","info_data":{"protocol":"802.1Q","id":5}}}]';
    assert.deepEqual(importLinuxFacts([file('f/ip-link.json', links), file('f/ip-addr.json', '[]')]), {
      interfaces: [],
      linkState: {},
      warnings: ['f/ip-link.json: mv0 is a macvlan device, which is not modelled; left out', 'f/ip-link.json: mv0.5 is a VLAN on mv0, which is left out; so is the VLAN'],
    });
  });

  it('refuses what is not ip -j output, a wrong or oversized bundle, and a bad bonding file', () => {
    const raw = (name: string, content: string) => [file(`facts/${name}`, content)];
    assert.throws(() => importLinuxFacts(raw('ip-link.json', '{"links": []}')), /^HostwireError: facts\/ip-link\.json: is not the JSON array `ip -j -d link show` prints, one object with ifindex and ifname per link$/);
    assert.throws(() => importLinuxFacts(raw('ip-link.json', '[{"ifindex": 1, "name": "eth0"}]')), /facts\/ip-link\.json: entry 0 is not a link/);
    assert.throws(() => importLinuxFacts(raw('ip-link.json', '1: lo: <LOOPBACK,UP> mtu 65536')), /facts\/ip-link\.json: is not JSON \(.*\); expected the output of `ip -j -d link show`/);
    assert.throws(
      () => importLinuxFacts(raw('ip-link.json', '[{"ifindex":2,"ifname":"eth0","master":"br0","link_type":"ether"},{"ifindex":3,"ifname":"br0","link_type":"ether"}]')),
      /has no linkinfo: collect it with `ip -j -d link show`/,
    );
    assert.throws(() => importLinuxFacts([file('h.json', '{"format": "hostwire-linux-facts", "version": 2}')]), /^HostwireError: h\.json: is a version 2 bundle; this hostwire reads version 1/);
    assert.throws(() => importLinuxFacts([file('h.json', '{"hostname": "kvm1"}')]), /h\.json: is not a hostwire-linux-facts bundle: expected the JSON object collect-facts\.sh prints/);
    assert.throws(() => importLinuxFacts([file('h.json', `{"format": "hostwire-linux-facts", "version": 1, "pad": "${'x'.repeat(9 * 1024 * 1024)}"}`)]), /h\.json: is \d+ bytes; network facts are at most 8388608 bytes/);
    assert.throws(() => importLinuxFacts([file('a.txt', 'hello')]), /a\.txt: is neither a facts folder \(ip-link\.json, ip-addr\.json, ip-route\.json, bridge-link\.json, bonding\/<bond>\) nor one bundle/);
    const link = readFileSync(join(fixtures, 'linux-facts', 'ip-link.json'), 'utf8');
    assert.throws(() => importLinuxFacts([file('f/ip-link.json', link), file('f/bonding/bond0', 'Bonding Mode: round robin please\n')]), /f\/bonding\/bond0:1: unknown bonding mode 'round robin please'/);
    assert.throws(() => importLinuxFacts([file('f/ip-link.json', link), file('f/bonding/bond0', 'hello\n')]), /f\/bonding\/bond0:1: is not a \/proc\/net\/bonding file: it has no 'Bonding Mode:' line/);
    assert.throws(() => importLinuxFacts([file('f/ip-link.json', '[{"ifindex":2,"ifname":"eth0;reboot","link_type":"ether"}]')]), /f\/ip-link\.json: eth0;reboot: letters, digits and _ \. : @ - or space/);
  });
});
