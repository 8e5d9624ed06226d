/**
 * The ovs rendering: the exact script for a host with every mapping (active-backup and LACP/SLB
 * bonds, a physical uplink, VLAN 0, tagged and trunk port groups, a tagged host IP interface,
 * addresses on the bridge, STP, MTU), what the real ovs-vsctl and ovs-vswitchd make of it in a
 * namespace of their own, and the declarations it refuses.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HostwireError } from '../src/domain/errors.ts';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import type { RenderInput } from '../src/render/files.ts';
import { renderOvs } from '../src/render/ovs/index.ts';
import { startOvsNamespace, stopOvsNamespaces, type OvsNamespace } from './support/ovs-namespace.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

const kvmHost = (interfaces: unknown[], vms: RenderInput['vms'] = []): RenderInput => ({ name: 'kvm1', platform: 'kvm', osFamily: 'netplan', interfaces: parseInterfaceSet(interfaces, 'kvm'), vms });

const KVM = kvmHost([
  ...['eno1', 'eno2', 'eno3', 'eno4', 'eno5', 'eno6'].map((name) => ({ kind: 'physical', name })),
  // lacpRate means nothing to active-backup and is dropped.
  { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: 'active-backup', primary: 'eno1', miimon: 100, lacpRate: 'fast' },
  { kind: 'bridge', name: 'br0', flavor: 'ovs', ports: ['bond0'], stp: true, forwardDelay: 4, mtu: 9000 },
  { kind: 'portgroup', name: 'guests', switch: 'br0', vlan: 0 },
  { kind: 'portgroup', name: 'storage', switch: 'br0', vlan: 30 },
  { kind: 'portgroup', name: 'tenants', switch: 'br0', vlan: 4095, trunk: [{ first: 100, last: 103 }] },
  { kind: 'vmk', name: 'iscsi0', attachment: 'storage', addresses: ['10.30.0.5/24'], mtu: 9000 },
  { kind: 'bond', name: 'bond1', members: ['eno3', 'eno4'], mode: '802.3ad', xmitHashPolicy: 'layer2', lacpRate: 'slow' },
  { kind: 'bridge', name: 'br1', flavor: 'ovs', ports: ['bond1'] },
  { kind: 'vmk', name: 'mgmt', attachment: 'br1', addresses: ['192.0.2.10/24', '2001:db8::10/64'] },
  { kind: 'bridge', name: 'br2', flavor: 'ovs', ports: ['eno6'] },
  { kind: 'portgroup', name: 'dmz', switch: 'br2', vlan: 50 },
  // A Linux bridge belongs to the host's Linux network config, not to this script.
  { kind: 'bridge', name: 'virbr', ports: ['eno5'], stp: false },
], [
  // A guest plugged into br2 itself sends untagged frames, so br2's uplink trunks VLAN 0 too.
  { name: 'web1', nics: [{ mac: '52:54:00:00:00:01', attachment: 'br2' }, { mac: '52:54:00:00:00:02', attachment: 'dmz' }] },
]);

const EXPECTED = `#!/bin/sh
# Rendered by hostwire for kvm1; edit the declaration, not this file.
# Idempotent: run it again after a change. ovs-vsctl reaches the ovsdb-server at
# $OVS_RUNDIR/db.sock (default /var/run/openvswitch/db.sock).
set -eu

# br0: Open vSwitch bridge
ovs-vsctl --may-exist add-br br0 -- set bridge br0 datapath_type=system stp_enable=true other_config:stp-forward-delay=4 -- set interface br0 mtu_request=9000
ovs-vsctl --may-exist add-bond br0 bond0 eno1 eno2 -- set port bond0 trunks=0,30,100,101,102,103 lacp=off bond_mode=active-backup other_config:bond-primary=eno1 other_config:bond-detect-mode=miimon other_config:bond-miimon-interval=100 -- set interface eno1 mtu_request=9000 -- set interface eno2 mtu_request=9000
ip link set dev eno1 up
ip link set dev eno2 up
ovs-vsctl --may-exist add-port br0 iscsi0 -- set port iscsi0 tag=30 -- set interface iscsi0 type=internal mtu_request=9000
ip address replace 10.30.0.5/24 dev iscsi0
ip link set dev iscsi0 up

# br1: Open vSwitch bridge
ovs-vsctl --may-exist add-br br1 -- set bridge br1 datapath_type=system stp_enable=false
ovs-vsctl --may-exist add-bond br1 bond1 eno3 eno4 -- set port bond1 lacp=active bond_mode=balance-slb other_config:lacp-time=slow
ip link set dev eno3 up
ip link set dev eno4 up
ip address replace 192.0.2.10/24 dev br1
ip address replace 2001:db8::10/64 dev br1
ip link set dev br1 up

# br2: Open vSwitch bridge
ovs-vsctl --may-exist add-br br2 -- set bridge br2 datapath_type=system stp_enable=false
ovs-vsctl --may-exist add-port br2 eno6 -- set port eno6 trunks=0,50
ip link set dev eno6 up
`;

describe('ovs rendering', () => {
  it('renders every mapping as exact ovs-vsctl and ip commands in one executable script', () => {
    assert.deepEqual(renderOvs(KVM), [{ path: 'ovs/kvm1-ovs.sh', content: EXPECTED, mode: 0o755 }]);
  });

  it('selects the userspace datapath when asked', () => {
    assert.match(renderOvs(KVM, { datapathType: 'netdev' })[0]!.content, /^ovs-vsctl --may-exist add-br br0 -- set bridge br0 datapath_type=netdev stp_enable=true /m);
  });

  describe('applied by the real ovs-vsctl and ovs-vswitchd', () => {
    let host: OvsNamespace;
    before(() => {
      host = startOvsNamespace('render');
      // The host's NICs: veth ends, their peers left unplugged.
      for (const nic of ['eno1', 'eno2', 'eno3', 'eno4', 'eno6']) host.run('ip', ['link', 'add', nic, 'type', 'veth', 'peer', 'name', `${nic}p`]);
      const root = writeRendered(renderOvs(KVM, { datapathType: 'netdev' }), 'hostwire-ovs-');
      host.run('sh', [join(root, 'ovs', 'kvm1-ovs.sh')]);
    });
    after(() => {
      stopOvsNamespaces();
      removeRendered();
    });
    const get = (...args: string[]) => host.run('ovs-vsctl', ['get', ...args]).trim();

    it('builds the bridges, ports and bonds as declared', () => {
      assert.equal(host.run('ovs-vsctl', ['list-br']), 'br0\nbr1\nbr2\n');
      assert.equal(host.run('ovs-vsctl', ['list-ports', 'br0']), 'bond0\niscsi0\n');
      assert.equal(get('port', 'bond0', 'trunks'), '[0, 30, 100, 101, 102, 103]');
      assert.equal(get('port', 'bond0', 'other_config'), '{bond-detect-mode=miimon, bond-miimon-interval="100", bond-primary=eno1}');
      assert.match(host.appctl(['bond/show', 'bond0']), /bond_mode: active-backup[\s\S]*active-backup primary: eno1/);
      assert.equal(get('bridge', 'br0', 'stp_enable'), 'true');
      assert.equal(get('bridge', 'br0', 'other_config'), '{stp-forward-delay="4"}');
      assert.equal(get('port', 'iscsi0', 'tag'), '30');
      assert.equal(get('interface', 'iscsi0', 'type'), 'internal');
      assert.equal(get('port', 'bond1', 'bond_mode'), 'balance-slb');
      assert.equal(get('port', 'bond1', 'lacp'), 'active');
      assert.equal(get('port', 'eno6', 'trunks'), '[0, 50]');
    });

    it('sets the MTU along the stack and puts the host addresses on their devices', () => {
      const device = (name: string) => JSON.parse(host.run('ip', ['-j', 'address', 'show', 'dev', name]))[0];
      assert.deepEqual(['eno1', 'eno2', 'br0', 'iscsi0', 'br1'].map((name) => device(name).mtu), [9000, 9000, 9000, 9000, 1500]);
      const addresses = (name: string) => device(name).addr_info.filter((entry: { scope: string }) => entry.scope === 'global').map((entry: { local: string; prefixlen: number }) => `${entry.local}/${entry.prefixlen}`);
      assert.deepEqual(addresses('iscsi0'), ['10.30.0.5/24']);
      assert.deepEqual(addresses('br1'), ['192.0.2.10/24', '2001:db8::10/64']);
    });
  });

  it('refuses what Open vSwitch cannot express, naming each interface and what to do', () => {
    const host = kvmHost([
      { kind: 'physical', name: 'eno1' },
      { kind: 'physical', name: 'eno2' },
      { kind: 'physical', name: 'eno3' },
      { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: 'balance-rr' },
      { kind: 'vlan', name: 'bond0.20', parent: 'bond0', vlan: 20 },
      { kind: 'vlan', name: 'eno3.40', parent: 'eno3', vlan: 40 },
      { kind: 'bridge', name: 'br0', flavor: 'ovs', ports: ['bond0', 'eno3.40'] },
      { kind: 'portgroup', name: 'tenants', switch: 'br0', vlan: 4095 },
      { kind: 'portgroup', name: 'isolated', switch: 'br0', vlan: 60, pvlan: 61, teaming: { failback: true } },
      { kind: 'vmk', name: 'vmk0', attachment: 'tenants', addresses: ['10.0.0.5/24'] },
      { kind: 'vmk', name: 'management-vlan60', attachment: 'isolated', addresses: ['10.60.0.5/24'] },
    ]);
    assert.throws(
      () => renderOvs(host),
      (error: unknown) => {
        assert.ok(error instanceof HostwireError);
        assert.equal(error.kind, 'validation');
        assert.deepEqual(error.fields, [
          { path: 'interfaces.3.mode', message: 'bond0 is a bond on Open vSwitch bridge br0, and OVS has no equivalent of mode balance-rr; use one of: 802.3ad, active-backup, balance-tlb' },
          { path: 'interfaces.4', message: 'VLAN interface bond0.20 sits on bond0, which Open vSwitch bridge br0 owns; declare a port group {switch: br0, vlan: 20} instead' },
          { path: 'interfaces.5', message: 'VLAN interface eno3.40 is a port of Open vSwitch bridge br0; OVS tags VLANs on its own ports: declare a port group {switch: br0, vlan: 40} instead' },
          { path: 'interfaces.8.pvlan', message: 'port group isolated is on Open vSwitch bridge br0, which has no private VLANs; remove pvlan' },
          { path: 'interfaces.8.teaming', message: "port group isolated is on Open vSwitch bridge br0: teaming per port group is an ESXi feature; set the bond's mode instead" },
          { path: 'interfaces.9.attachment', message: 'vmk0 is a host IP interface on trunk port group tenants; it needs one VLAN: attach it to a port group with vlan 0-4094' },
          { path: 'interfaces.10.name', message: "'management-vlan60' becomes an Open vSwitch port or Linux device: use at most 15 letters, digits, _ . or -, starting with a letter, digit or _" },
        ]);
        assert.match(error.message, /^kvm1 cannot be rendered for Open vSwitch: interfaces\.3\.mode: bond0 is a bond/);
        return true;
      },
    );
  });

  it('refuses a host name that would escape the script or its file name', () => {
    for (const name of ['kvm1\nreboot', '../kvm1', '-kvm1']) {
      assert.throws(() => renderOvs({ ...KVM, name }), (error: unknown) => error instanceof HostwireError && error.fields[0]!.path === 'name' && error.fields[0]!.message.startsWith(`host name '${name}' names the script`));
    }
  });

  it('refuses a host without an Open vSwitch bridge, pointing to the Linux formats', () => {
    const linuxOnly = kvmHost([
      { kind: 'physical', name: 'eno1' },
      { kind: 'bridge', name: 'br0', ports: ['eno1'] },
      { kind: 'portgroup', name: 'guests', switch: 'br0', vlan: 10 },
    ]);
    assert.throws(() => renderOvs(linuxOnly), /^HostwireError: kvm1 has no Open vSwitch bridge: declare a bridge with flavor: ovs, or use a Linux format$/);
  });
});
