/**
 * The failure simulation, balance view and vMotion planner against cases worked out by hand from
 * seed 000 (beacon interval x threshold, per-switch threshold, threshold 0, home_link failback and
 * rolling order, active / standby / unused, srcid / srcmac / IP hash), the Linux bonding driver
 * (active-backup with primary, 802.3ad, balance-xor hash policies, miimon), the same bonds run by
 * Open vSwitch, and the demo estate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostwireError } from '../src/domain/errors.ts';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import type { Platform } from '../src/domain/model.ts';
import type { GuestNetwork } from '../src/render/files.ts';
import { esxInterfaces, OVM_INTERFACES, XEN_INTERFACES } from '../src/services/demo.ts';
import { simulateBalance } from '../src/sim/balance.ts';
import { type FailoverEntry, simulateFailure } from '../src/sim/failover.ts';
import type { SimHost } from '../src/sim/teams.ts';
import { planVmotion } from '../src/sim/vmotion.ts';

const host = (name: string, platform: Platform, interfaces: unknown[]): SimHost => ({ name, platform, interfaces: parseInterfaceSet(interfaces, platform) });
const nics = (...names: string[]) => names.map((name) => ({ kind: 'physical', name, speedMbps: 10000 }));
const guest = (name: string, mac: string, attachment: string): GuestNetwork => ({ name, nics: [{ mac, attachment }] });
/** An entry with the fields most cases share; each case states what differs. */
const entry = (hostName: string, object: string, kind: FailoverEntry['kind'], fields: Partial<FailoverEntry>): FailoverEntry => ({
  object,
  kind,
  host: hostName,
  before: null,
  after: null,
  connected: true,
  detectSeconds: 0,
  recovery: '',
  notes: [],
  ...fields,
});

const esx01 = host('esx01', 'esxi', esxInterfaces(51));
const esx02 = host('esx02', 'esxi', esxInterfaces(52));
/** The demo's guests on esx01 (web01 and db01 on VM Network). */
const ESX01_GUESTS = [guest('web01', '00:50:56:aa:00:01', 'VM Network'), guest('db01', '00:50:56:aa:00:03', 'VM Network')];

describe('ESXi teaming under failure (seed 000)', () => {
  /** vSwitch0: home_link vmnic0 with vmnic1 standby; vSwitch1: its own beacon threshold. */
  const beaconHost = host('esx-beacon', 'esxi', [
    ...nics('vmnic0', 'vmnic1', 'vmnic2', 'vmnic3'),
    { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing: 'explicit', active: ['vmnic0'], standby: ['vmnic1'] } },
    { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
    { kind: 'vswitch', name: 'vSwitch1', uplinks: ['vmnic2', 'vmnic3'], teaming: { loadBalancing: 'explicit', active: ['vmnic2'], standby: ['vmnic3'], failureDetection: { mode: 'beacon', intervalSeconds: 1, threshold: 3 } } },
    { kind: 'portgroup', name: 'Backup', switch: 'vSwitch1', vlan: 60 },
  ]);
  const globalBeacon = { beacon: { intervalSeconds: 1, threshold: 2 }, upstream: { 'core-a': ['vmnic0', 'vmnic2'] } };

  it('detects an upstream failure in beacon interval x threshold: 1 s x 2 = 2 s, and a per-switch threshold of 3 overrides it', () => {
    const result = simulateFailure(beaconHost, [guest('app1', '00:50:56:aa:01:01', 'VM Network')], { links: [], switchDown: ['core-a'] }, globalBeacon);
    assert.deepEqual(result, [
      entry('esx-beacon', 'VM Network', 'portgroup', { before: 'vmnic0', after: 'vmnic1', detectSeconds: 2, recovery: 'fails back to vmnic0 when it returns' }),
      entry('esx-beacon', 'Backup', 'portgroup', { before: 'vmnic2', after: 'vmnic3', detectSeconds: 3, recovery: 'fails back to vmnic2 when it returns' }),
      entry('esx-beacon', 'app1/00:50:56:aa:01:01', 'vnic', { before: 'vmnic0', after: 'vmnic1', detectSeconds: 2, recovery: 'fails back to vmnic0 when it returns' }),
    ]);
  });

  it('does not detect an upstream failure with threshold 0 or link state only: traffic stays on the dead path', () => {
    const off = host('esx-off', 'esxi', [
      ...nics('vmnic0', 'vmnic1'),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { active: ['vmnic0'], standby: ['vmnic1'], failureDetection: { mode: 'beacon', intervalSeconds: 1, threshold: 0 } } },
      { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
      { kind: 'portgroup', name: 'Link Only', switch: 'vSwitch0', vlan: 51, teaming: { failureDetection: { mode: 'link' } } },
    ]);
    // The global threshold of 2 does not apply: the switch says 0, the port group says link state.
    const result = simulateFailure(off, [], { links: [], switchDown: ['vmnic0'] }, globalBeacon);
    assert.deepEqual(result, [
      entry('esx-off', 'VM Network', 'portgroup', {
        before: 'vmnic0',
        after: 'vmnic0',
        connected: false,
        detectSeconds: null,
        recovery: 'traffic on vmnic0 is lost until it is repaired: nothing fails over',
        notes: ['vmnic0 keeps its link up and beacon probing is off (threshold 0): the upstream failure is not detected'],
      }),
      entry('esx-off', 'Link Only', 'portgroup', {
        before: 'vmnic0',
        after: 'vmnic0',
        connected: false,
        detectSeconds: null,
        recovery: 'traffic on vmnic0 is lost until it is repaired: nothing fails over',
        notes: ['vmnic0 keeps its link up and only link state is watched (no beacon probing): the upstream failure is not detected'],
      }),
    ]);
    // A lost link fails over at once, beacon probing or not.
    assert.deepEqual(
      simulateFailure(off, [], { links: ['vmnic0'] }).map(({ object, after, connected, detectSeconds }) => ({ object, after, connected, detectSeconds })),
      [
        { object: 'VM Network', after: 'vmnic1', connected: true, detectSeconds: 0 },
        { object: 'Link Only', after: 'vmnic1', connected: true, detectSeconds: 0 },
      ],
    );
  });

  it('fails back to the home link, or stays on the standby with rolling order', () => {
    const rolling = host('esx-roll', 'esxi', [
      ...nics('vmnic0', 'vmnic1'),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing: 'explicit', active: ['vmnic0'], standby: ['vmnic1'] } },
      { kind: 'portgroup', name: 'Home', switch: 'vSwitch0', vlan: 10 },
      { kind: 'portgroup', name: 'Rolling', switch: 'vSwitch0', vlan: 11, teaming: { failback: false } },
    ]);
    assert.deepEqual(simulateFailure(rolling, [], { links: ['vmnic0'] }), [
      entry('esx-roll', 'Home', 'portgroup', { before: 'vmnic0', after: 'vmnic1', recovery: 'fails back to vmnic0 when it returns' }),
      entry('esx-roll', 'Rolling', 'portgroup', { before: 'vmnic0', after: 'vmnic1', recovery: 'stays on vmnic1: failback off (rolling)' }),
    ]);
    // Losing the standby moves nothing.
    assert.deepEqual(simulateFailure(rolling, [], { links: ['vmnic1'] }), [
      entry('esx-roll', 'Home', 'portgroup', { before: 'vmnic0', after: 'vmnic0', recovery: 'stays on vmnic0' }),
      entry('esx-roll', 'Rolling', 'portgroup', { before: 'vmnic0', after: 'vmnic0', recovery: 'stays on vmnic0' }),
    ]);
  });

  it('spreads ports by virtual port id (vmks first, then vNICs) and re-spreads them over the surviving uplinks', () => {
    const srcid = host('esx-srcid', 'esxi', [
      ...nics('vmnic0', 'vmnic1'),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'] },
      { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
      { kind: 'vmk', name: 'vmk0', attachment: 'VM Network', addresses: ['10.50.0.5/24'] },
    ]);
    const vms = [guest('a', '00:50:56:aa:02:10', 'VM Network'), guest('b', '00:50:56:aa:02:11', 'VM Network'), guest('c', '00:50:56:aa:02:13', 'VM Network')];
    assert.deepEqual(simulateFailure(srcid, vms, { links: ['vmnic1'] }), [
      entry('esx-srcid', 'VM Network', 'portgroup', { before: 'vmnic0+vmnic1', after: 'vmnic0', recovery: 'spreads over vmnic0+vmnic1 again when vmnic1 returns' }),
      entry('esx-srcid', 'vmk0', 'vmk', { before: 'vmnic0', after: 'vmnic0', recovery: 'stays on vmnic0' }),
      entry('esx-srcid', 'a/00:50:56:aa:02:10', 'vnic', { before: 'vmnic1', after: 'vmnic0', recovery: 'fails back to vmnic1 when it returns' }),
      entry('esx-srcid', 'b/00:50:56:aa:02:11', 'vnic', { before: 'vmnic0', after: 'vmnic0', recovery: 'stays on vmnic0' }),
      entry('esx-srcid', 'c/00:50:56:aa:02:13', 'vnic', { before: 'vmnic1', after: 'vmnic0', recovery: 'fails back to vmnic1 when it returns' }),
    ]);
    const balance = (loadBalancing: string) =>
      simulateBalance(host('esx-lb', 'esxi', [...srcid.interfaces.slice(0, 2), { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing } }, ...srcid.interfaces.slice(3)]), vms);
    assert.deepEqual(balance('srcid'), [
      {
        host: 'esx-lb',
        team: 'vSwitch0',
        uplinks: [
          { uplink: 'vmnic0', count: 2, objects: ['vmk0', 'b/00:50:56:aa:02:11'] },
          { uplink: 'vmnic1', count: 2, objects: ['a/00:50:56:aa:02:10', 'c/00:50:56:aa:02:13'] },
        ],
        perFlow: [],
        notes: [],
      },
    ]);
    // Source MAC: last octet mod 2, so 0x10 -> vmnic0, 0x11 and 0x13 -> vmnic1; vmk0 has no MAC and keeps port 0.
    assert.deepEqual(balance('srcmac')[0]!.uplinks, [
      { uplink: 'vmnic0', count: 2, objects: ['vmk0', 'a/00:50:56:aa:02:10'] },
      { uplink: 'vmnic1', count: 2, objects: ['b/00:50:56:aa:02:11', 'c/00:50:56:aa:02:13'] },
    ]);
  });

  it('spreads IP hash per flow over every active uplink, with no single uplink', () => {
    const iphash = host('esx-ip', 'esxi', [
      ...nics('vmnic0', 'vmnic1'),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing: 'iphash' } },
      { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
    ]);
    const vm = [guest('web', '00:50:56:aa:03:01', 'VM Network')];
    const spread = { before: 'vmnic0+vmnic1', after: 'vmnic1', recovery: 'spreads over vmnic0+vmnic1 again when vmnic0 returns', notes: ['IP hash spreads flows over vmnic0+vmnic1: no single uplink carries it'] };
    assert.deepEqual(simulateFailure(iphash, vm, { links: ['vmnic0'] }), [entry('esx-ip', 'VM Network', 'portgroup', spread), entry('esx-ip', 'web/00:50:56:aa:03:01', 'vnic', spread)]);
    assert.deepEqual(simulateBalance(iphash, vm), [
      {
        host: 'esx-ip',
        team: 'vSwitch0',
        uplinks: [
          { uplink: 'vmnic0', count: 0, objects: [] },
          { uplink: 'vmnic1', count: 0, objects: [] },
        ],
        perFlow: [{ object: 'web/00:50:56:aa:03:01', uplinks: ['vmnic0', 'vmnic1'] }],
        notes: ['IP hash: each flow (source and destination IP) picks its uplink, so load follows the traffic mix'],
      },
    ]);
  });

  it('replaces a failed active by the first standby, one for one', () => {
    const four = host('esx-four', 'esxi', [
      ...nics('vmnic0', 'vmnic1', 'vmnic2', 'vmnic3'),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1', 'vmnic2', 'vmnic3'], teaming: { active: ['vmnic0', 'vmnic1'], standby: ['vmnic2', 'vmnic3'] } },
      { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
    ]);
    assert.deepEqual(simulateFailure(four, [], { links: ['vmnic0'] }), [
      entry('esx-four', 'VM Network', 'portgroup', { before: 'vmnic0+vmnic1', after: 'vmnic1+vmnic2', recovery: 'spreads over vmnic0+vmnic1 again when vmnic0 returns' }),
    ]);
  });
});

describe('the demo estate', () => {
  it('esx01 losing vmnic0: vSwitch0 fails over to its standby vmnic1 and fails back', () => {
    const moved = { before: 'vmnic0', after: 'vmnic1', recovery: 'fails back to vmnic0 when it returns' };
    assert.deepEqual(simulateFailure(esx01, ESX01_GUESTS, { links: ['vmnic0'] }), [
      entry('esx01', 'Management Network', 'portgroup', moved),
      entry('esx01', 'VM Network', 'portgroup', moved),
      entry('esx01', 'vmk0', 'vmk', moved),
      entry('esx01', 'web01/00:50:56:aa:00:01', 'vnic', moved),
      entry('esx01', 'db01/00:50:56:aa:00:03', 'vnic', moved),
    ]);
  });

  it('esx01 losing vmnic2: the vMotion port groups with vmnic3 unused lose connectivity; vMotion-2 (vmnic3 active, vmnic2 unused) is untouched', () => {
    const cut = { before: 'vmnic2', after: null, connected: false, recovery: 'reconnects when vmnic2 returns', notes: ['unused vmnic3 never takes over'] };
    assert.deepEqual(simulateFailure(esx01, ESX01_GUESTS, { links: ['vmnic2'] }), [
      entry('esx01', 'vMotion-1', 'portgroup', cut),
      entry('esx01', 'vmk1', 'vmk', cut),
      entry('esx01', 'vMotion-3', 'portgroup', cut),
      entry('esx01', 'vmk3', 'vmk', cut),
    ]);
  });

  it('esx01 balance: everything on vSwitch0 rides vmnic0; the vMotion vmks split 2:1 over vmnic2 and vmnic3', () => {
    assert.deepEqual(simulateBalance(esx01, ESX01_GUESTS), [
      {
        host: 'esx01',
        team: 'vSwitch0',
        uplinks: [
          { uplink: 'vmnic0', count: 3, objects: ['vmk0', 'web01/00:50:56:aa:00:01', 'db01/00:50:56:aa:00:03'] },
          { uplink: 'vmnic1', count: 0, objects: [] },
        ],
        perFlow: [],
        notes: [],
      },
      {
        host: 'esx01',
        team: 'vSwitch1',
        uplinks: [
          { uplink: 'vmnic2', count: 2, objects: ['vmk1', 'vmk3'] },
          { uplink: 'vmnic3', count: 1, objects: ['vmk2'] },
        ],
        perFlow: [],
        notes: [],
      },
    ]);
  });

  it('ovm1 (seed 001, 802.3ad) survives one member and flows re-spread; losing both cuts every VLAN bridge', () => {
    const ovm1 = host('ovm1', 'ovm', OVM_INTERFACES);
    const layer2 = 'xmit_hash_policy layer2: each peer MAC hashes to one member, so traffic to one gateway stays on one member';
    const stack: [string, FailoverEntry['kind']][] = [
      ['bond0', 'bond'],
      ['bond0.50', 'vlan'],
      ['vlan50', 'bridge'],
      ['bond0.51', 'vlan'],
      ['vlan51', 'bridge'],
      ['bond0.100', 'vlan'],
      ['vlan100', 'bridge'],
    ];
    const one = { before: 'eth0+eth1', after: 'eth1', detectSeconds: 0.1, recovery: 'spreads over eth0+eth1 again when eth0 returns', notes: [layer2] };
    assert.deepEqual(simulateFailure(ovm1, [], { links: ['eth0'] }), stack.map(([object, kind]) => entry('ovm1', object, kind, one)));
    const both = { before: 'eth0+eth1', after: null, connected: false, detectSeconds: 0.1, recovery: 'reconnects when eth0 or eth1 returns', notes: [layer2] };
    assert.deepEqual(simulateFailure(ovm1, [], { links: ['eth0', 'eth1'] }), stack.map(([object, kind]) => entry('ovm1', object, kind, both)));
  });

  it('xen1 (seed 003, bridges on eth0 alone): an upstream failure black-holes every bridge and the guest on it', () => {
    const xen1 = host('xen1', 'xen', XEN_INTERFACES);
    const lost = {
      before: 'eth0',
      after: 'eth0',
      connected: false,
      detectSeconds: null,
      recovery: 'traffic on eth0 is lost until it is repaired: nothing fails over',
      notes: ['eth0 is the only uplink: nothing to fail over to', 'eth0 keeps its link up and the kernel watches carrier only: the upstream failure is not detected'],
    };
    assert.deepEqual(simulateFailure(xen1, [guest('lab-router', '00:16:3e:20:00:10', 'xenbr20')], { links: [], switchDown: ['eth0'] }), [
      entry('xen1', 'eth0.10', 'vlan', lost),
      entry('xen1', 'xenbr10', 'bridge', lost),
      entry('xen1', 'eth0.20', 'vlan', lost),
      entry('xen1', 'xenbr20', 'bridge', lost),
      entry('xen1', 'lab-router/00:16:3e:20:00:10', 'vnic', lost),
    ]);
  });
});

describe('Linux bonds under failure', () => {
  const kvm = (bond: Record<string, unknown>) =>
    host('kvm1', 'kvm', [
      ...nics('eth0', 'eth1'),
      { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], ...bond },
      { kind: 'bridge', name: 'br0', ports: ['bond0'] },
      { kind: 'vmk', name: 'mgmt', attachment: 'br0', addresses: ['192.0.2.10/24'] },
    ]);
  const vm = [guest('vm1', '52:54:00:00:00:01', 'br0')];
  const stack = (fields: Partial<FailoverEntry>) => [entry('kvm1', 'bond0', 'bond', fields), entry('kvm1', 'br0', 'bridge', fields), entry('kvm1', 'mgmt', 'vmk', fields), entry('kvm1', 'vm1/52:54:00:00:00:01', 'vnic', fields)];

  it('active-backup with primary eth1 fails over to eth0 after one miimon interval and reselects the primary', () => {
    const bond = kvm({ mode: 'active-backup', miimon: 100, primary: 'eth1' });
    assert.deepEqual(simulateFailure(bond, vm, { links: ['eth1'] }), stack({ before: 'eth1', after: 'eth0', detectSeconds: 0.1, recovery: 'fails back to eth1 when it returns' }));
    assert.deepEqual(simulateFailure(bond, vm, { links: ['eth0'] }), stack({ before: 'eth1', after: 'eth1', detectSeconds: 0.1, recovery: 'stays on eth1' }));
  });

  it('active-backup without primary stays on the new active; without miimon it never notices', () => {
    assert.deepEqual(
      simulateFailure(kvm({ mode: 'active-backup', miimon: 200 }), vm, { links: ['eth0'] }),
      stack({ before: 'eth0', after: 'eth1', detectSeconds: 0.2, recovery: 'stays on eth1: the bond has no primary to fail back to' }),
    );
    assert.deepEqual(
      simulateFailure(kvm({ mode: 'active-backup', miimon: 0 }), vm, { links: ['eth0'] }),
      stack({ before: 'eth0', after: 'eth0', connected: false, detectSeconds: null, recovery: 'traffic on eth0 is lost until it is repaired: nothing fails over', notes: ['miimon is off: bond0 does not notice eth0 going down'] }),
    );
  });

  it('802.3ad without miimon gets the kernel default of 100 ms', () => {
    assert.deepEqual(
      simulateFailure(kvm({ mode: '802.3ad', xmitHashPolicy: 'layer2+3' }), [], { links: ['eth1'] }).map(({ object, after, detectSeconds, notes }) => ({ object, after, detectSeconds, notes })),
      ['bond0', 'br0', 'mgmt'].map((object) => ({
        object,
        after: 'eth0',
        detectSeconds: 0.1,
        notes: ['xmit_hash_policy layer2+3: each pair of MACs and IPs hashes to one member, so traffic to one peer stays on one member', 'miimon is not set: the kernel forces 100 ms for 802.3ad'],
      })),
    );
  });

  it('balance-xor: layer2 pins a peer to one member, layer3+4 spreads one guest over both', () => {
    const layer2 = 'xmit_hash_policy layer2: each peer MAC hashes to one member, so traffic to one gateway stays on one member';
    const layer34 = 'xmit_hash_policy layer3+4: each TCP/UDP flow hashes to one member, so one guest spreads its flows over the members';
    const spread = { before: 'eth0+eth1', after: 'eth1', detectSeconds: 0.1, recovery: 'spreads over eth0+eth1 again when eth0 returns' };
    assert.deepEqual(simulateFailure(kvm({ mode: 'balance-xor', miimon: 100 }), vm, { links: ['eth0'] }), stack({ ...spread, notes: [layer2] }));
    assert.deepEqual(simulateFailure(kvm({ mode: 'balance-xor', miimon: 100, xmitHashPolicy: 'layer3+4' }), vm, { links: ['eth0'] }), stack({ ...spread, notes: [layer34] }));
    assert.deepEqual(simulateBalance(kvm({ mode: 'balance-xor', miimon: 100, xmitHashPolicy: 'layer3+4' }), vm), [
      {
        host: 'kvm1',
        team: 'bond0',
        uplinks: [
          { uplink: 'eth0', count: 0, objects: [] },
          { uplink: 'eth1', count: 0, objects: [] },
        ],
        perFlow: [
          { object: 'mgmt', uplinks: ['eth0', 'eth1'] },
          { object: 'vm1/52:54:00:00:00:01', uplinks: ['eth0', 'eth1'] },
        ],
        notes: [layer34],
      },
    ]);
  });
});

describe('bonds on an Open vSwitch bridge (run by ovs-vswitchd, checked for real in sim-ovs.test.ts)', () => {
  const ovs = (bond: Record<string, unknown>) =>
    host('kvm2', 'kvm', [
      ...nics('eth0', 'eth1'),
      { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], ...bond },
      { kind: 'bridge', name: 'br0', flavor: 'ovs', ports: ['bond0'] },
      { kind: 'portgroup', name: 'vlan10', switch: 'br0', vlan: 10 },
      { kind: 'vmk', name: 'mgmt', attachment: 'vlan10', addresses: ['192.0.2.10/24'] },
    ]);
  const vm = [guest('vm1', '52:54:00:00:00:01', 'vlan10')];
  const stack = (fields: Partial<FailoverEntry>) =>
    [['bond0', 'bond'], ['br0', 'bridge'], ['vlan10', 'portgroup'], ['mgmt', 'vmk'], ['vm1/52:54:00:00:00:01', 'vnic']].map(([object, kind]) => entry('kvm2', object!, kind as FailoverEntry['kind'], fields));
  const slb = 'Open vSwitch balance-slb: each source MAC and VLAN is pinned to one member, picked in turn at first use and moved by load every 10 s, so which member carries a guest is not predictable';

  it('active-backup without miimon: OVS watches carrier, so it fails over at once where a kernel bond would never notice', () => {
    assert.deepEqual(
      simulateFailure(ovs({ mode: 'active-backup' }), vm, { links: ['eth0'] }),
      stack({
        before: 'eth0',
        after: 'eth1',
        detectSeconds: 0,
        recovery: 'stays on eth1: the bond has no primary to fail back to',
        notes: ['bond0 has no primary: Open vSwitch makes any enabled member active, not necessarily eth0; set primary to know which'],
      }),
    );
    // With miimon, ovs-vswitchd polls at that interval (the rendering sets bond-detect-mode=miimon).
    assert.deepEqual(
      simulateFailure(ovs({ mode: 'active-backup', miimon: 250, primary: 'eth1' }), vm, { links: ['eth1'] }),
      stack({ before: 'eth1', after: 'eth0', detectSeconds: 0.25, recovery: 'fails back to eth1 when it returns' }),
    );
  });

  it('balance-tlb becomes balance-slb: no kernel miimon default, source MACs pinned, moved back only by rebalancing', () => {
    assert.deepEqual(
      simulateFailure(ovs({ mode: 'balance-tlb' }), vm, { links: ['eth0'] }),
      stack({ before: 'eth0+eth1', after: 'eth1', detectSeconds: 0, recovery: 'stays on eth1 until Open vSwitch rebalances load (every 10 s) once eth0 returns', notes: [slb] }),
    );
    assert.deepEqual(simulateBalance(ovs({ mode: 'balance-tlb' }), vm)[0]!.notes, [slb]);
  });

  it('802.3ad becomes balance-tcp (or balance-slb for a MAC hash), and an upstream failure goes unseen by Open vSwitch', () => {
    const tcp = 'Open vSwitch balance-tcp (LACP): each L3/L4 flow hashes to one member, so one guest spreads its flows over the members';
    assert.deepEqual(
      simulateFailure(ovs({ mode: '802.3ad', xmitHashPolicy: 'layer3+4' }), [], { links: ['eth1'] }).map(({ object, detectSeconds, notes }) => ({ object, detectSeconds, notes })),
      ['bond0', 'br0', 'vlan10', 'mgmt'].map((object) => ({ object, detectSeconds: 0, notes: [tcp] })),
    );
    assert.deepEqual(simulateFailure(ovs({ mode: '802.3ad', xmitHashPolicy: 'layer2' }), [], { links: ['eth1'] })[0]!.notes, [slb]);
    assert.deepEqual(
      simulateFailure(ovs({ mode: 'active-backup', primary: 'eth0' }), [], { links: [], switchDown: ['eth0'] })[0],
      entry('kvm2', 'bond0', 'bond', {
        before: 'eth0',
        after: 'eth0',
        connected: false,
        detectSeconds: null,
        recovery: 'traffic on eth0 is lost until it is repaired: nothing fails over',
        notes: ['eth0 keeps its link up and Open vSwitch watches carrier only: the upstream failure is not detected'],
      }),
    );
  });
});

describe('vMotion streams (seed 002)', () => {
  it('pairs esx01 and esx02 vmk by vmk in 172.16.1-3.0/24, leaving on vmnic2, vmnic3, vmnic2: bounded by two 1 Gbit/s uplinks', () => {
    const end = (vmk: string, octet: number, uplink: string) => ({ vmk, address: `172.16.${vmk.slice(3)}.${octet}/24`, uplink });
    assert.deepEqual(planVmotion(esx01, esx02), {
      from: 'esx01',
      to: 'esx02',
      streams: [
        { subnet: '172.16.1.0/24', source: end('vmk1', 51, 'vmnic2'), destination: end('vmk1', 52, 'vmnic2') },
        { subnet: '172.16.2.0/24', source: end('vmk2', 51, 'vmnic3'), destination: end('vmk2', 52, 'vmnic3') },
        { subnet: '172.16.3.0/24', source: end('vmk3', 51, 'vmnic2'), destination: end('vmk3', 52, 'vmnic2') },
      ],
      bandwidthMbps: 2000,
      notes: [],
    });
  });

  it('names the vmk with vMotion disabled, on either side, and drops its stream from the bound', () => {
    const disabled = host(
      'esx02',
      'esxi',
      esxInterfaces(52).map((spec) => (spec.name === 'vmk2' ? { ...spec, services: [] } : spec)),
    );
    const plan = planVmotion(esx01, disabled);
    assert.deepEqual(plan.streams.map((stream) => `${stream.source.vmk}->${stream.destination.vmk}`), ['vmk1->vmk1', 'vmk3->vmk3']);
    // Both remaining streams leave on vmnic2: one 1 Gbit/s uplink.
    assert.equal(plan.bandwidthMbps, 1000);
    assert.deepEqual(plan.notes, ['esx01 vmk2 (172.16.2.51/24): vMotion is disabled on esx02 vmk2 in 172.16.2.0/24; enable it there']);
    assert.deepEqual(planVmotion(disabled, esx01).notes, ['esx02 vmk2 (172.16.2.52/24): vMotion is disabled, while esx01 vmk2 carries vMotion in 172.16.2.0/24; enable it']);
    const island = host('esx03', 'esxi', esxInterfaces(53).filter((spec) => spec.name !== 'vmk3'));
    assert.deepEqual(planVmotion(esx01, island).notes, ['esx01 vmk3 (172.16.3.51/24): esx03 has no vmk in 172.16.3.0/24']);
  });
});

describe('bad input', () => {
  const refusal = (action: () => unknown, path: string, message: RegExp) =>
    assert.throws(action, (error: unknown) => error instanceof HostwireError && error.fields[0]?.path === path && message.test(error.message));

  it('refuses a failed link, a down switch or a guest attachment the host does not have, naming what exists', () => {
    refusal(() => simulateFailure(esx01, [], { links: ['vmnic9'] }), 'failure.links.0', /'vmnic9' is not a NIC of host esx01; its NICs are vmnic0, vmnic1, vmnic2, vmnic3/);
    refusal(
      () => simulateFailure(esx01, [], { links: [], switchDown: ['core-b'] }, { upstream: { 'core-a': ['vmnic0'] } }),
      'failure.switchDown.0',
      /'core-b' is neither an upstream switch \(core-a\) nor a switch, bond, bridge or NIC of host esx01/,
    );
    refusal(() => simulateFailure(esx01, [guest('ghost', '00:50:56:aa:09:09', 'Nowhere')], { links: ['vmnic0'] }), 'guests.ghost.nics.0.attachment', /'Nowhere' is not a port group or bridge of host esx01/);
  });

  it('takes a host switch name for switchDown: all its uplinks lose their upstream path', () => {
    const result = simulateFailure(esx01, [], { links: [], switchDown: ['vSwitch1'] }, { beacon: { intervalSeconds: 1, threshold: 2 } });
    assert.deepEqual(
      result.map(({ object, after, connected, detectSeconds }) => ({ object, after, connected, detectSeconds })),
      ['vMotion-1', 'vmk1', 'vMotion-2', 'vmk2', 'vMotion-3', 'vmk3'].map((object) => ({ object, after: null, connected: false, detectSeconds: 2 })),
    );
  });
});
