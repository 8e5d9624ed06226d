/**
 * The ifupdown and ifupdown2 renderings, checked by the programs that consume them. Classic
 * ifupdown: `ifquery --list -a` and `ifquery IFACE` read back every option of seed 001's Oracle VM
 * host and the demo's Xen host, and `ifup --no-act` prints the ip commands it would run (VLANs,
 * addresses, default route, MAC, MTU). ifupdown2, unpacked from its .deb: `ifup -a -s` accepts
 * every rendering with nothing on stderr, and `ifquery -o json` / `-p list` report the options and
 * the dependency graph it parsed, a VLAN-aware bridge included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { HostwireError } from '../src/domain/errors.ts';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import type { RenderInput } from '../src/render/files.ts';
import { renderIfupdown } from '../src/render/ifupdown/index.ts';
import { renderIfupdown2 } from '../src/render/ifupdown2/index.ts';
import { seedDemo } from '../src/services/demo.ts';
import { renderInputFor } from '../src/services/host-network.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import { arbitraryLinuxNetwork } from './support/arbitrary-network.ts';
import { ifupdown2 } from './support/ifupdown2.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

/** A KVM host with a jumbo bond + VLAN + bridge stack, two IPv4 addresses and one IPv6 on the bridge. */
const JUMBO: RenderInput = {
  name: 'kvm1',
  platform: 'kvm',
  osFamily: 'debian',
  interfaces: parseInterfaceSet(
    [
      { kind: 'physical', name: 'eno1', mac: '52:54:00:01:51:00' },
      { kind: 'physical', name: 'eno2' },
      { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: 'active-backup', miimon: 100, lacpRate: 'fast', primary: 'eno1' },
      { kind: 'vlan', name: 'bond0.200', parent: 'bond0', vlan: 200 },
      { kind: 'bridge', name: 'br200', ports: ['bond0.200'], mtu: 9000, stp: true, forwardDelay: 4 },
      { kind: 'vmk', name: 'mgmt', attachment: 'br200', addresses: ['192.0.2.10/24', '198.51.100.10/25', '2001:db8:200::10/64'] },
    ],
    'kvm',
  ),
};

/** A Proxmox host: an LACP bond as the one port of a VLAN-aware bridge that carries the management address. */
const PROXMOX: RenderInput = {
  name: 'pve1',
  platform: 'kvm',
  osFamily: 'ifupdown2',
  interfaces: parseInterfaceSet(
    [
      { kind: 'physical', name: 'eno1' },
      { kind: 'physical', name: 'eno2' },
      { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: '802.3ad', miimon: 100, lacpRate: 'fast', xmitHashPolicy: 'layer3+4' },
      { kind: 'bridge', name: 'vmbr0', ports: ['bond0'], stp: false, forwardDelay: 0, vlanAware: true, vids: [100, { first: 20, last: 30 }, 10, { first: 25, last: 40 }] },
      { kind: 'vmk', name: 'mgmt', attachment: 'vmbr0', addresses: ['10.0.0.5/24'] },
    ],
    'kvm',
  ),
  managementAddress: '10.0.0.5',
  subnets: { '10.0.0.5': { name: 'pve-mgmt', gateway: '10.0.0.1', dns: ['10.0.0.2'], domain: 'pve.example.net', vlan: 0 } },
};

/** The demo's ovm1 (seed 001's host, with its management subnet's gateway and DNS from the IPAM) and xen1. */
async function demoHosts(): Promise<{ ovm: RenderInput; xen: RenderInput }> {
  const store = await openStore(':memory:');
  try {
    const context = makeContext(store, 'test');
    await seedDemo(context);
    return { ovm: await renderInputFor(context, 'ovm1'), xen: await renderInputFor(context, 'xen1') };
  } finally {
    await store.close();
  }
}

const interfacesFile = (files: ReturnType<typeof renderIfupdown>) => {
  assert.deepEqual(files.map((file) => file.path), ['etc/network/interfaces']);
  return join(writeRendered(files, 'hostwire-ifupdown-'), 'etc', 'network', 'interfaces');
};

/** Classic ifquery: its stdout, failing the test on any error. */
function ifquery(file: string, ...args: string[]): string {
  const run = spawnSync('ifquery', ['-i', file, ...args], { encoding: 'utf8' });
  assert.equal(run.error, undefined, 'ifquery runs (Debian package ifupdown)');
  assert.equal(run.stderr, '', `ifquery ${args.join(' ')} reports no problem`);
  assert.equal(run.status, 0);
  return run.stdout;
}

/** The options ifquery reports for one interface, as [key, value] pairs in its order. */
const queried = (file: string, name: string) => ifquery(file, name).trim().split('\n').map((line) => line.split(/: ?(.*)/s).slice(0, 2));

/** The commands classic `ifup --no-act -a` would run, whitespace collapsed. */
function ifupNoAct(file: string): string[] {
  const run = spawnSync('ifup', ['--no-act', '-a', '-i', file, '--state-dir', writeRendered([], 'hostwire-ifup-state-')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stderr.split('\n').map((line) => line.trim().replace(/\s+/g, ' ')).filter(Boolean);
}

describe('classic ifupdown rendering, read by ifquery and ifup --no-act', () => {
  let ovm: RenderInput;
  let xen: RenderInput;
  before(async () => ({ ovm, xen } = await demoHosts()));
  after(removeRendered);

  it("brings up seed 001's bond, trunk and per-VLAN bridges in stack order, with the management address, gateway and DNS", () => {
    const file = interfacesFile(renderIfupdown(ovm));
    assert.deepEqual(ifquery(file, '--list', '-a').trim().split('\n'), ['lo', 'eth0', 'eth1', 'bond0', 'bond0.50', 'vlan50', 'bond0.51', 'vlan51', 'bond0.100', 'vlan100']);
    // ifquery reports `hwaddress ether MAC` without the (optional) link type.
    assert.deepEqual(queried(file, 'eth0'), [['hwaddress', '00:14:5e:c0:ff:ee']]);
    assert.deepEqual(queried(file, 'bond0'), [['bond-slaves', 'eth0 eth1'], ['bond-mode', '802.3ad'], ['bond-miimon', '100']]);
    for (const vlan of [50, 51, 100]) assert.deepEqual(queried(file, `bond0.${vlan}`), [['vlan-raw-device', 'bond0']]);
    assert.deepEqual(queried(file, 'vlan50'), [['bridge_ports', 'bond0.50'], ['bridge_stp', 'off']]);
    assert.deepEqual(queried(file, 'vlan100'), [
      ['address', '10.1.1.101'],
      ['netmask', '255.255.255.0'],
      ['gateway', '10.1.1.1'],
      ['dns-nameservers', '10.1.1.10 10.1.1.11'],
      ['dns-search', 'dc1.example.net'],
      ['bridge_ports', 'bond0.100'],
      ['bridge_stp', 'off'],
      ['broadcast', '10.1.1.255'],
    ]);
    const commands = ifupNoAct(file);
    for (const expected of [
      'ip link set dev eth0 address 00:14:5e:c0:ff:ee',
      'ip link add link bond0 name bond0.50 type vlan id 50',
      'ip link add link bond0 name bond0.100 type vlan id 100',
      'ip addr add 10.1.1.101/255.255.255.0 broadcast 10.1.1.255 dev vlan100 label vlan100',
      'ip route add default via 10.1.1.1 dev vlan100 onlink',
    ]) assert.ok(commands.some((command) => command.includes(expected)), `ifup would run: ${expected}`);
    assert.equal(commands.filter((command) => command.includes('route add default')).length, 1, 'one default route');
  });

  it("renders the demo's Xen host: VLANs 10 and 20 on eth0 under xenbr10 and xenbr20, the address on xenbr10", () => {
    const file = interfacesFile(renderIfupdown(xen));
    assert.deepEqual(ifquery(file, '--list', '-a').trim().split('\n'), ['lo', 'eth0', 'eth0.10', 'xenbr10', 'eth0.20', 'xenbr20']);
    assert.deepEqual(queried(file, 'eth0'), [['hwaddress', '00:16:3e:10:00:01']]);
    assert.deepEqual(queried(file, 'eth0.20'), [['vlan-raw-device', 'eth0']]);
    assert.deepEqual(queried(file, 'xenbr10'), [['address', '192.168.10.5'], ['netmask', '255.255.255.0'], ['gateway', '192.168.10.1'], ['bridge_ports', 'eth0.10'], ['bridge_stp', 'off'], ['broadcast', '192.168.10.255']]);
    assert.deepEqual(queried(file, 'xenbr20'), [['bridge_ports', 'eth0.20'], ['bridge_stp', 'off']]);
  });

  it('sets the MTU on every layer, keeps only the options the bond mode uses, and writes one stanza per address', () => {
    const file = interfacesFile(renderIfupdown(JUMBO));
    assert.deepEqual(queried(file, 'bond0'), [['mtu', '9000'], ['bond-slaves', 'eno1 eno2'], ['bond-mode', 'active-backup'], ['bond-miimon', '100'], ['bond-primary', 'eno1']]);
    assert.deepEqual(queried(file, 'br200'), [
      ['address', '192.0.2.10'],
      ['netmask', '255.255.255.0'],
      ['mtu', '9000'],
      ['bridge_ports', 'bond0.200'],
      ['bridge_stp', 'on'],
      ['bridge_fd', '4'],
      ['broadcast', '192.0.2.255'],
      ['address', '198.51.100.10'],
      ['netmask', '255.255.255.128'],
      ['broadcast', '198.51.100.127'],
      ['address', '2001:db8:200::10'],
      ['netmask', '64'],
      ['autoconf', '0'],
      ['preferred-lifetime', ''],
      ['dad-attempts', '60'],
      ['dad-interval', '0.1'],
    ]);
    const commands = ifupNoAct(file);
    // A static stanza sets the MTU as it brings the link up.
    for (const name of ['eno1', 'eno2', 'bond0', 'bond0.200', 'br200']) assert.ok(commands.some((command) => new RegExp(`^ip link set dev ${name.replace('.', '\\.')} mtu 9000( up)?$`).test(command)), `${name} at MTU 9000`);
    assert.ok(commands.includes('ip -6 addr add 2001:db8:200::10/64 dev br200'));
    assert.ok(commands.some((command) => command.startsWith('ip addr add 198.51.100.10/255.255.255.128 ')));
  });

  it('refuses what classic ifupdown cannot build, naming the interface and the way out', () => {
    assert.throws(() => renderIfupdown(PROXMOX), /vmbr0 is VLAN-aware, which ifupdown cannot express: render pve1 with ifupdown2/);
    const named = { ...JUMBO, interfaces: parseInterfaceSet([{ kind: 'physical', name: 'eno1' }, { kind: 'vlan', name: 'storage', parent: 'eno1', vlan: 30 }], 'kvm') };
    assert.throws(() => renderIfupdown(named), /storage \(VLAN 30 on eno1\) must be called eno1\.30 or vlan30; or render with ifupdown2/);
    const ovs = { ...JUMBO, interfaces: parseInterfaceSet([{ kind: 'physical', name: 'eno1' }, { kind: 'bridge', name: 'ovsbr0', flavor: 'ovs', ports: ['eno1'] }], 'kvm') };
    assert.throws(() => renderIfupdown(ovs), (error: unknown) => error instanceof HostwireError && error.fields[0]?.path === 'interfaces.1.flavor' && /ovsbr0 is an Open vSwitch bridge, which ifupdown does not build; render it with the ovs format/.test(error.message));
  });
});

/** ifupdown2's syntax check on a rendering: it must pass with nothing said. */
function assertAccepted(file: string): void {
  const check = ifupdown2('ifup', ['-a', '-s', '-i', file]);
  assert.deepEqual({ status: check.status, stderr: check.stderr }, { status: 0, stderr: '' }, `ifup -a -s accepts ${file}`);
}

/** What ifupdown2 parsed: each stanza's options by interface and family, and each interface's lower devices. */
function parsedByIfupdown2(file: string) {
  const query = ifupdown2('ifquery', ['-a', '-i', file, '-o', 'json']);
  assert.equal(query.status, 0, query.stderr);
  const stanzas = JSON.parse(query.stdout) as { name: string; addr_family: string; addr_method: string; config: Record<string, string | string[]> }[];
  const config = new Map(stanzas.map((stanza) => [`${stanza.name} ${stanza.addr_family} ${stanza.addr_method}`, stanza.config]));
  const graph = ifupdown2('ifquery', ['-a', '-i', file, '-p', 'list']);
  assert.equal(graph.status, 0, graph.stderr);
  const lower = new Map(
    graph.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, list] = line.split(' : ');
        return [name!, (JSON.parse(list!.replaceAll("'", '"')) as string[]).sort()];
      }),
  );
  return { config, lower };
}

describe('ifupdown2 rendering, checked by ifupdown2 itself', () => {
  let ovm: RenderInput;
  let xen: RenderInput;
  before(async () => ({ ovm, xen } = await demoHosts()));
  after(removeRendered);

  it("passes seed 001's host through `ifup -s`, and ifupdown2 reads the bond, VLANs and bridges as written", () => {
    const file = interfacesFile(renderIfupdown2(ovm));
    assertAccepted(file);
    const { config, lower } = parsedByIfupdown2(file);
    assert.deepEqual(config.get('bond0 inet manual'), { 'bond-slaves': 'eth0 eth1', 'bond-mode': '802.3ad', 'bond-miimon': '100' });
    assert.deepEqual(config.get('bond0.100 inet manual'), { 'vlan-raw-device': 'bond0', 'vlan-id': '100' });
    assert.deepEqual(config.get('vlan100 inet static'), { address: '10.1.1.101/24', gateway: '10.1.1.1', 'bridge-ports': 'bond0.100', 'bridge-stp': 'off', 'bridge-vlan-aware': 'no' });
    assert.deepEqual(config.get('eth0 inet manual'), { hwaddress: '00:14:5e:c0:ff:ee' });
    assert.deepEqual(Object.fromEntries(lower), {
      lo: [],
      eth0: [],
      eth1: [],
      bond0: ['eth0', 'eth1'],
      'bond0.50': ['bond0'],
      vlan50: ['bond0.50'],
      'bond0.51': ['bond0'],
      vlan51: ['bond0.51'],
      'bond0.100': ['bond0'],
      vlan100: ['bond0.100'],
    });
  });

  it("passes the demo's Xen host", () => {
    const file = interfacesFile(renderIfupdown2(xen));
    assertAccepted(file);
    const { config, lower } = parsedByIfupdown2(file);
    assert.deepEqual(config.get('xenbr10 inet static'), { address: '192.168.10.5/24', gateway: '192.168.10.1', 'bridge-ports': 'eth0.10', 'bridge-stp': 'off', 'bridge-vlan-aware': 'no' });
    assert.deepEqual(lower.get('xenbr20'), ['eth0.20']);
  });

  it('renders a VLAN-aware bridge with merged vids, and the syntax check is no rubber stamp', () => {
    const rendered = renderIfupdown2(PROXMOX);
    const file = interfacesFile(rendered);
    assertAccepted(file);
    const { config, lower } = parsedByIfupdown2(file);
    assert.deepEqual(config.get('vmbr0 inet static'), { address: '10.0.0.5/24', gateway: '10.0.0.1', 'bridge-ports': 'bond0', 'bridge-stp': 'off', 'bridge-fd': '0', 'bridge-vlan-aware': 'yes', 'bridge-vids': '10 20-40 100' });
    assert.deepEqual(config.get('bond0 inet manual'), { 'bond-slaves': 'eno1 eno2', 'bond-mode': '802.3ad', 'bond-miimon': '100', 'bond-lacp-rate': 'fast', 'bond-xmit-hash-policy': 'layer3+4' });
    assert.deepEqual(lower.get('vmbr0'), ['bond0']);
    // The same file with an unknown keyword, or a value outside ifupdown2's table, is refused.
    const refusal = (from: string, to: string) => {
      const broken = join(writeRendered([{ path: 'interfaces', content: rendered[0]!.content.replace(from, to) }], 'hostwire-ifupdown2-bad-'), 'interfaces');
      const check = ifupdown2('ifup', ['-a', '-s', '-i', broken]);
      assert.notEqual(check.status, 0);
      return check.stderr;
    };
    const vidsLine = rendered[0]!.content.split('\n').indexOf('    bridge-vids 10 20-40 100') + 1;
    assert.match(refusal('bridge-vids', 'bridge-colour'), new RegExp(`line${vidsLine}: iface vmbr0: unsupported keyword \\(bridge-colour\\)`));
    assert.match(refusal('bridge-stp off', 'bridge-stp maybe'), /vmbr0: bridge-stp: invalid value "maybe"/);
  });

  it('gives the MTU to every layer but the bridge, which ifupdown2 has take it from its ports', () => {
    const file = interfacesFile(renderIfupdown2(JUMBO));
    assertAccepted(file);
    const { config } = parsedByIfupdown2(file);
    for (const name of ['eno1', 'eno2', 'bond0', 'bond0.200']) assert.equal(config.get(`${name} inet manual`)?.mtu, '9000', name);
    assert.deepEqual(config.get('br200 inet static'), { address: ['192.0.2.10/24', '198.51.100.10/25'], 'bridge-ports': 'bond0.200', 'bridge-stp': 'on', 'bridge-fd': '4', 'bridge-vlan-aware': 'no' });
    assert.deepEqual(config.get('br200 inet6 static'), { address: '2001:db8:200::10/64' });
    assert.equal(config.get('bond0 inet manual')?.['bond-lacp-rate'], undefined, 'lacp-rate is dropped outside 802.3ad');
  });

  it('every random Linux network it renders passes `ifup -s`', () => {
    fc.assert(
      fc.property(arbitraryLinuxNetwork({ vlanAwareBridges: true }), (interfaces) => {
        let rendered;
        try {
          rendered = renderIfupdown2({ name: 'random', platform: 'kvm', osFamily: 'ifupdown2', interfaces });
        } catch (error) {
          // Refusals are tested below; here only what renders must pass.
          fc.pre(!(error instanceof HostwireError));
          throw error;
        }
        assertAccepted(interfacesFile(rendered));
      }),
      // Each check starts ifupdown2's Python afresh (about a second).
      { numRuns: 20 },
    );
  });

  it("refuses what ifupdown2 would not accept or would ignore, naming the interface and ifupdown2's limit", () => {
    const refused = (interfaces: unknown[]) => () => renderIfupdown2({ name: 'pve2', platform: 'kvm', osFamily: 'ifupdown2', interfaces: parseInterfaceSet(interfaces, 'kvm') });
    const nics = [{ kind: 'physical', name: 'eno1' }, { kind: 'physical', name: 'eno2' }];
    assert.throws(refused([...nics, { kind: 'bridge', name: 'vmbr0', ports: ['eno1'], vlanAware: true }, { kind: 'bridge', name: 'vmbr1', ports: ['eno2'], vlanAware: true }]), /vmbr0, vmbr1 are all VLAN-aware, and ifupdown2 brings up one VLAN-aware bridge a host/);
    assert.throws(refused([...nics, { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: 'balance-xor', miimon: 1000, xmitHashPolicy: 'vlan+srcmac' }]), /bond0: ifupdown2 takes bond-miimon up to 255 ms, not 1000; bond0: ifupdown2 takes bond-xmit-hash-policy layer2, layer3\+4, layer2\+3, encap2\+3, encap3\+4, not vlan\+srcmac/);
    assert.throws(refused([{ kind: 'bridge', name: 'vmbr9', ports: [], mtu: 9000 }]), /vmbr9 has no ports, and ifupdown2 gives a bridge the MTU of its ports only: add a port or drop the MTU/);
    assert.throws(refused([{ kind: 'physical', name: 'eno1', mtu: 500 }]), /eno1: ifupdown2 takes MTUs from 552 to 9216, not 500/);
  });
});
