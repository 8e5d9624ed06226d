/**
 * The ovs rendering, applied for real: two hosts, each a network namespace with its own
 * ovs-vswitchd on the userspace datapath (this kernel has no bond, 802.1Q or openvswitch module),
 * cabled by two veth pairs that are the bond members. Each host runs its rendered script; real
 * traffic then shows VLAN 100 connects, VLAN 200 is isolated from it, and the bond survives
 * losing a member, once with LACP (802.3ad) and once with active-backup.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import type { RenderInput } from '../src/render/files.ts';
import { renderOvs } from '../src/render/ovs/index.ts';
import { startOvsNamespace, stopOvsNamespaces, untilSucceeds, type OvsNamespace } from './support/ovs-namespace.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

type BondMode = '802.3ad' | 'active-backup';

/**
 * One side of the two-host declaration: a bond over two NICs into an OVS bridge at MTU 9000, port
 * groups for VLANs 100 and 200, and a host IP interface on each.
 */
function declaredHost(side: 'a' | 'b', mode: BondMode, addresses: { vlan100: string[]; vlan200: string[] }): RenderInput {
  const nics = [`${side}1`, `${side}2`];
  const bondOptions = mode === '802.3ad' ? { lacpRate: 'fast' } : { primary: nics[0] };
  const interfaces = parseInterfaceSet(
    [
      ...nics.map((name) => ({ kind: 'physical', name })),
      { kind: 'bond', name: 'bond0', members: nics, mode, miimon: 100, ...bondOptions },
      { kind: 'bridge', name: 'br0', flavor: 'ovs', ports: ['bond0'], stp: false, mtu: 9000 },
      { kind: 'portgroup', name: 'vlan100', switch: 'br0', vlan: 100 },
      { kind: 'portgroup', name: 'vlan200', switch: 'br0', vlan: 200 },
      { kind: 'vmk', name: 'v100', attachment: 'vlan100', addresses: addresses.vlan100, mtu: 9000 },
      { kind: 'vmk', name: 'v200', attachment: 'vlan200', addresses: addresses.vlan200 },
    ],
    'kvm',
  );
  return { name: `host-${side}`, platform: 'kvm', osFamily: 'netplan', interfaces };
}

/** Applies the host's rendering inside its namespace, as an admin would run the script. */
function applyRendering(host: OvsNamespace, input: RenderInput): void {
  const root = writeRendered(renderOvs(input, { datapathType: 'netdev' }), 'hostwire-ovs-');
  host.run('sh', [join(root, 'ovs', `${input.name}-ovs.sh`)]);
}

/** ping's exit status: 0 replies came, 1 none came, 2 an error. */
function pingStatus(host: OvsNamespace, args: string[]): number {
  try {
    host.run('ping', args);
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

const reaches = (host: OvsNamespace, target: string, extra: string[] = []) => untilSucceeds(() => host.run('ping', ['-c', '1', '-W', '1', ...extra, target]));
const txPackets = (host: OvsNamespace, device: string): number => JSON.parse(host.run('ip', ['-j', '-s', 'link', 'show', 'dev', device]))[0].stats64.tx.packets;
const vsctl = (host: OvsNamespace, ...args: string[]) => host.run('ovs-vsctl', args).trim();

for (const mode of ['802.3ad', 'active-backup'] as const) {
  describe(`ovs rendering on the userspace datapath, bond mode ${mode}`, () => {
    let hostA: OvsNamespace;
    let hostB: OvsNamespace;
    const label = mode === '802.3ad' ? 'lacp' : 'ab';
    const declarationA = declaredHost('a', mode, { vlan100: ['10.100.0.1/24'], vlan200: ['10.200.0.1/24'] });
    // B's VLAN 200 interface also answers to 10.100.0.3, inside A's VLAN 100 subnet: only a leak
    // between the VLANs would let A reach it. /32 keeps B's own route to 10.100.0.0/24 on v100.
    const declarationB = declaredHost('b', mode, { vlan100: ['10.100.0.2/24'], vlan200: ['10.200.0.2/24', '10.100.0.3/32'] });

    before(() => {
      hostA = startOvsNamespace(`${label}-a`);
      hostB = startOvsNamespace(`${label}-b`);
      for (const member of ['1', '2']) {
        hostA.run('ip', ['link', 'add', `a${member}`, 'type', 'veth', 'peer', 'name', `b${member}`, 'netns', hostB.namespace]);
      }
      // Two separate hosts would each answer ARP only for their own addresses; in one namespace
      // Linux answers for any local address on any interface unless told to look at the interface.
      for (const host of [hostA, hostB]) host.run('sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore']);
    });
    after(() => {
      stopOvsNamespaces();
      removeRendered();
    });

    it('applies the rendering, and applying it again changes nothing', () => {
      applyRendering(hostA, declarationA);
      applyRendering(hostB, declarationB);
      const ports = vsctl(hostB, '--columns=_uuid,name,tag,trunks,bond_mode,lacp', 'list', 'port');
      applyRendering(hostB, declarationB);
      assert.equal(vsctl(hostB, '--columns=_uuid,name,tag,trunks,bond_mode,lacp', 'list', 'port'), ports);

      assert.equal(vsctl(hostA, 'get', 'bridge', 'br0', 'datapath_type'), 'netdev');
      assert.equal(vsctl(hostA, 'get', 'port', 'bond0', 'bond_mode'), mode === '802.3ad' ? 'balance-tcp' : 'active-backup');
      assert.equal(vsctl(hostA, 'get', 'port', 'bond0', 'lacp'), mode === '802.3ad' ? 'active' : 'off');
      assert.equal(vsctl(hostA, 'get', 'port', 'bond0', 'trunks'), '[100, 200]');
      assert.equal(vsctl(hostA, 'get', 'port', 'v100', 'tag'), '100');
      assert.equal(vsctl(hostA, 'get', 'port', 'v200', 'tag'), '200');
      const link = (host: OvsNamespace, device: string) => JSON.parse(host.run('ip', ['-j', 'address', 'show', 'dev', device]))[0];
      assert.deepEqual(
        link(hostB, 'v200').addr_info.filter((entry: { family: string }) => entry.family === 'inet').map((entry: { local: string; prefixlen: number }) => `${entry.local}/${entry.prefixlen}`),
        ['10.200.0.2/24', '10.100.0.3/32'],
      );
      // The MTU along the stack: the bond's NICs, the bridge and the VLAN 100 host interface at 9000; v200 declares none.
      assert.deepEqual(['a1', 'a2', 'br0', 'v100', 'v200'].map((device) => link(hostA, device).mtu), [9000, 9000, 9000, 9000, 1500]);
      assert.ok(link(hostA, 'v100').flags.includes('UP'), 'the script brings v100 up');
    });

    it("reaches the other host's VLAN 100 endpoint through the bond, with jumbo frames unfragmented", () => {
      reaches(hostA, '10.100.0.2');
      if (mode === '802.3ad') assert.match(hostA.appctl(['lacp/show', 'bond0']), /status: active negotiated/, 'LACP came up with the other host');
      // 8972 bytes of ICMP payload + 28 of headers = 9000: only passes if every hop has MTU 9000.
      reaches(hostA, '10.100.0.2', ['-M', 'do', '-s', '8972']);
      reaches(hostA, '10.200.0.2');
    });

    it('keeps VLAN 200 isolated from VLAN 100', () => {
      reaches(hostA, '10.200.0.2');
      assert.equal(pingStatus(hostA, ['-c', '3', '-W', '1', '10.100.0.3']), 1, "A's VLAN 100 must not reach B's VLAN 200 interface");
      assert.equal(pingStatus(hostB, ['-c', '3', '-W', '1', '-I', 'v200', '10.200.0.1']), 0, 'VLAN 200 itself works both ways');
    });

    it('survives taking one bond member down, carried by the other member', () => {
      reaches(hostA, '10.100.0.2');
      if (mode === 'active-backup') assert.match(hostA.appctl(['bond/show', 'bond0']), /active member mac: [0-9a-f:]+\(a1\)/, 'the primary a1 carries traffic first');
      hostA.run('ip', ['link', 'set', 'dev', 'a1', 'down']);
      untilSucceeds(() => assert.match(hostA.appctl(['bond/show', 'bond0']), /member a1: disabled/));
      reaches(hostA, '10.100.0.2');
      const before = { a1: txPackets(hostA, 'a1'), a2: txPackets(hostA, 'a2') };
      assert.match(hostA.run('ping', ['-c', '5', '-W', '1', '10.100.0.2']), /5 packets transmitted, 5 received/);
      assert.equal(txPackets(hostA, 'a1'), before.a1, 'nothing leaves through the member that is down');
      assert.ok(txPackets(hostA, 'a2') - before.a2 >= 5, 'a2 carried the five echo requests');
      assert.match(hostA.appctl(['bond/show', 'bond0']), /active member mac: [0-9a-f:]+\(a2\)/);
    });
  });
}
