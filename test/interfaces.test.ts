import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HostwireError, type FieldError } from '../src/domain/errors.ts';
import { z } from 'zod';
import { failoverOrder, InterfaceSchema, interfaceParents, parseInterfaceSet, validateInterfaceGraph, type InterfaceSpec } from '../src/domain/interfaces.ts';
import { effectiveTeaming } from '../src/audit/estate.ts';
import { esxcliCommands } from '../src/render/esxcli/index.ts';
import { simulateFailure } from '../src/sim/failover.ts';

/** Runs parseInterfaceSet on input that must be refused and returns the field errors. */
function refused(input: unknown): FieldError[] {
  let caught: unknown;
  try {
    parseInterfaceSet(input);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof HostwireError, `expected a HostwireError, got ${String(caught)}`);
  assert.equal(caught.kind, 'validation');
  assert.ok(caught.fields.length > 0, 'a validation error must list its fields');
  // the summary message carries every field error
  for (const field of caught.fields) assert.ok(caught.message.includes(`${field.path}: ${field.message}`), caught.message);
  return caught.fields;
}

/** Asserts one of the errors has exactly `path` and a message matching `pattern`. */
function hasError(fields: FieldError[], path: string, pattern: RegExp): void {
  assert.ok(
    fields.some((field) => field.path === path && pattern.test(field.message)),
    `no error at '${path}' matching ${pattern}; got ${JSON.stringify(fields)}`,
  );
}

/** Raw input as it arrives from YAML or JSON, before parsing. */
type RawInterface = Record<string, unknown>;

const oracleVm = (): RawInterface[] => [
  { kind: 'physical', name: 'eth0' },
  { kind: 'physical', name: 'eth1' },
  { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: '802.3ad', miimon: 100 },
  { kind: 'vlan', name: 'bond0.50', parent: 'bond0', vlan: 50 },
  { kind: 'bridge', name: 'vlan50', ports: ['bond0.50'] },
  { kind: 'vlan', name: 'bond0.100', parent: 'bond0', vlan: 100 },
  { kind: 'bridge', name: 'vlan100', ports: ['bond0.100'], addresses: ['10.1.1.101/24'] },
];

const esxi = (): RawInterface[] => [
  { kind: 'physical', name: 'vmnic2' },
  { kind: 'physical', name: 'vmnic3' },
  {
    kind: 'vswitch',
    name: 'vSwitch1',
    uplinks: ['vmnic2', 'vmnic3'],
    mtu: 9000,
    teaming: { loadBalancing: 'srcid', active: ['vmnic2', 'vmnic3'] },
  },
  { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic2'], unused: ['vmnic3'] } },
  { kind: 'vmk', name: 'vmk1', attachment: 'vMotion-1', addresses: ['172.16.1.51/24'], services: ['vmotion'] },
];

describe('parseInterfaceSet accepts realistic hosts', () => {
  it('an Oracle VM host: bonded NICs, VLANs on the bond, a bridge per VLAN', () => {
    const specs = parseInterfaceSet(oracleVm());
    assert.deepEqual(
      specs.map((spec) => spec.name),
      ['eth0', 'eth1', 'bond0', 'bond0.50', 'vlan50', 'bond0.100', 'vlan100'],
    );
    const bond = specs[2];
    assert.ok(bond?.kind === 'bond');
    assert.equal(bond.driver, 'bond', 'driver defaults to the bonding driver');
    assert.equal(bond.miimon, 100);
    const bridge = specs[6];
    assert.ok(bridge?.kind === 'bridge');
    assert.equal(bridge.flavor, 'linux', 'flavor defaults to a Linux bridge');
    assert.deepEqual(bridge.addresses, ['10.1.1.101/24']);
    assert.deepEqual(
      specs.flatMap((spec) => interfaceParents(spec).map((p) => `${spec.name}-${p.role}->${p.name}`)),
      ['bond0-member->eth0', 'bond0-member->eth1', 'bond0.50-parent->bond0', 'vlan50-port->bond0.50', 'bond0.100-parent->bond0', 'vlan100-port->bond0.100'],
    );
  });

  it('an ESXi host: vSwitch with two uplinks, a vMotion port group, a vmk', () => {
    const specs = parseInterfaceSet(esxi());
    assert.equal(specs.length, 5);
    const vmk = specs[4];
    assert.ok(vmk?.kind === 'vmk');
    assert.deepEqual(vmk.services, ['vmotion']);
    const pg = specs[3];
    assert.ok(pg?.kind === 'portgroup');
    assert.deepEqual(pg.teaming, { active: ['vmnic2'], unused: ['vmnic3'] });
    assert.deepEqual(validateInterfaceGraph(specs), []);
  });

  it('a KVM host: a bridge over a NIC with a vmk-style attachment, defaults filled in', () => {
    const specs = parseInterfaceSet([
      { kind: 'physical', name: 'enp1s0', mac: '52:54:00:12:34:56', speedMbps: 10000 },
      { kind: 'bridge', name: 'br0', ports: ['enp1s0'], flavor: 'ovs', stp: false },
      { kind: 'vmk', name: 'mgmt0', attachment: 'br0' },
    ]);
    const vmk = specs[2];
    assert.ok(vmk?.kind === 'vmk');
    assert.deepEqual(vmk.services, [], 'services default to none');
  });

  it('normalises MAC addresses to lowercase colon form', () => {
    const specs = parseInterfaceSet([
      { kind: 'physical', name: 'vmnic0', mac: '00-50-56-AA-BB-CC' },
      { kind: 'physical', name: 'vmnic1', mac: '00:50:56:AA:BB:CD' },
    ]);
    const [nic0, nic1] = specs;
    assert.ok(nic0?.kind === 'physical' && nic1?.kind === 'physical');
    assert.equal(nic0.mac, '00:50:56:aa:bb:cc');
    assert.equal(nic1.mac, '00:50:56:aa:bb:cd');
    for (const bad of ['00:50:56:aa:bb', '0050.56aa.bbcc', '00:50:56:aa:bb:gg']) {
      hasError(refused([{ kind: 'physical', name: 'eth0', mac: bad }]), 'interfaces.0.mac', /MAC address/);
    }
  });
});

describe('parseInterfaceSet refuses broken graphs', () => {
  it('duplicate names', () => {
    const fields = refused([...oracleVm(), { kind: 'physical', name: 'eth1' }]);
    assert.equal(fields.length, 1);
    hasError(fields, 'interfaces.7.name', /'eth1' is declared twice/);
  });

  it('a parent that does not exist', () => {
    const input = oracleVm();
    input[3] = { kind: 'vlan', name: 'bond0.50', parent: 'bond1', vlan: 50 };
    hasError(refused(input), 'interfaces.3', /bond0\.50 names 'bond1' as its parent, but no interface has that name/);
    hasError(refused([{ kind: 'vmk', name: 'vmk0', attachment: 'Management Network' }]), 'interfaces.0', /names 'Management Network' as its attachment/);
  });

  it('a VLAN whose parent is a bridge', () => {
    const fields = refused([...oracleVm(), { kind: 'vlan', name: 'vlan50.7', parent: 'vlan50', vlan: 7 }]);
    hasError(fields, 'interfaces.7', /vlan50\.7's parent 'vlan50' is a bridge; it must be one of: physical, bond/);
  });

  it('a port group whose switch is a physical NIC', () => {
    const input = esxi();
    input[3] = { kind: 'portgroup', name: 'vMotion-1', switch: 'vmnic2', vlan: 0 };
    hasError(refused(input), 'interfaces.3', /vMotion-1's switch 'vmnic2' is a physical; it must be one of: vswitch, dvswitch, bridge/);
  });

  it('a NIC in two bonds', () => {
    const fields = refused([...oracleVm(), { kind: 'bond', name: 'bond1', members: ['eth1'], mode: 'active-backup' }]);
    hasError(fields, 'interfaces.7', /'eth1' is already used by bond0; an interface can belong to one bond, switch or bridge/);
  });

  it('a NIC that is both a bond member and a vSwitch uplink', () => {
    const fields = refused([...oracleVm(), { kind: 'vswitch', name: 'vSwitch0', uplinks: ['eth0'] }]);
    hasError(fields, 'interfaces.7', /'eth0' is already used by bond0/);
  });

  it('a VLAN interface that is a port of two bridges', () => {
    const fields = refused([...oracleVm(), { kind: 'bridge', name: 'br-extra', ports: ['bond0.50'] }]);
    assert.equal(fields.length, 1);
    hasError(fields, 'interfaces.7', /'bond0\.50' is already used by vlan50/);
  });

  it('teaming that names a NIC that is not an uplink', () => {
    const onSwitch = esxi();
    onSwitch[2] = { kind: 'vswitch', name: 'vSwitch1', uplinks: ['vmnic2', 'vmnic3'], teaming: { active: ['vmnic2'], standby: ['vmnic4'] } };
    hasError(refused(onSwitch), 'interfaces.2.teaming.standby', /'vmnic4' is not an uplink of the switch \(uplinks: vmnic2, vmnic3\)/);

    const onPortgroup = esxi();
    onPortgroup.splice(1, 0, { kind: 'physical', name: 'vmnic9' });
    onPortgroup[4] = { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic9'] } };
    const fields = refused(onPortgroup);
    assert.equal(fields.length, 1);
    hasError(fields, 'interfaces.4.teaming.active', /'vmnic9' is not an uplink of the switch \(uplinks: vmnic2, vmnic3\)/);
  });

  it('a NIC both active and standby', () => {
    const input = esxi();
    input[3] = { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic2'], standby: ['vmnic2', 'vmnic3'] } };
    const fields = refused(input);
    assert.equal(fields.length, 1);
    hasError(fields, 'interfaces.3.teaming.standby', /'vmnic2' appears in more than one of active, standby and unused/);
  });

  it('a bond primary that is not a member', () => {
    const input = oracleVm();
    input.push({ kind: 'physical', name: 'eth2' });
    input[2] = { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: 'active-backup', primary: 'eth2' };
    const fields = refused(input);
    assert.equal(fields.length, 1);
    hasError(fields, 'interfaces.2.primary', /'eth2' is not a member of bond0/);
    // a member as primary is fine
    input[2] = { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: 'active-backup', primary: 'eth1' };
    assert.equal(parseInterfaceSet(input).length, 8);
  });

  it('a bridge forward delay STP or NetworkManager would refuse', () => {
    const bridge = (stp: boolean, forwardDelay: number) => [{ kind: 'physical', name: 'eth0' }, { kind: 'bridge', name: 'br0', ports: ['eth0'], stp, forwardDelay }];
    hasError(refused(bridge(true, 0)), 'interfaces.1.forwardDelay', /br0 has a forward delay of 0 s; use 2-30 s, or 0 with STP off/);
    hasError(refused(bridge(false, 1)), 'interfaces.1.forwardDelay', /br0 has a forward delay of 1 s; use 2-30 s, or 0 with STP off/);
    assert.equal(parseInterfaceSet(bridge(false, 0)).length, 2);
    assert.equal(parseInterfaceSet(bridge(true, 2)).length, 2);
  });

  it('a cycle: only possible through a wrong-kind edge, and reported alongside it', () => {
    // The allowed parent kinds are layered (physical < bond < vlan < bridge; vswitch < portgroup < vmk),
    // so a cycle needs an edge the kind rules refuse; the validator reports both.
    const fields = refused([
      { kind: 'physical', name: 'eth0' },
      { kind: 'vlan', name: 'v10', parent: 'br10', vlan: 10 },
      { kind: 'bridge', name: 'br10', ports: ['v10'] },
    ]);
    hasError(fields, 'interfaces.1', /v10's parent 'br10' is a bridge/);
    hasError(fields, 'interfaces', /the interfaces form a cycle: v10 -> br10 -> v10/);
    hasError(refused([{ kind: 'bridge', name: 'br0', ports: ['br0'] }]), 'interfaces', /cycle: br0 -> br0/);
  });

  it('validateInterfaceGraph finds a cycle that the kind rules would not see on their own', () => {
    // Built directly (bypassing parsing) to show the cycle check is independent of the kind check.
    const specs: InterfaceSpec[] = [
      { kind: 'bridge', name: 'a', flavor: 'linux', ports: ['b'] },
      { kind: 'bridge', name: 'b', flavor: 'linux', ports: ['c'] },
      { kind: 'bridge', name: 'c', flavor: 'linux', ports: ['a'] },
    ];
    const errors = validateInterfaceGraph(specs);
    hasError(errors, 'interfaces', /the interfaces form a cycle: a -> b -> c -> a/);
    assert.equal(errors.filter((e) => /cycle/.test(e.message)).length, 1);
  });

  it('a port group on VLAN 4096', () => {
    const input = esxi();
    input[3] = { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 4096 };
    hasError(refused(input), 'interfaces.3.vlan', /4095/);
    input[3] = { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 4095 };
    assert.equal(parseInterfaceSet(input).length, 5, '4095 (guest tagging trunk) is allowed');
    hasError(refused([{ kind: 'physical', name: 'eth0' }, { kind: 'vlan', name: 'eth0.0', parent: 'eth0', vlan: 0 }]), 'interfaces.1.vlan', />=1/);
  });

  it('a negative beacon threshold', () => {
    const input = esxi();
    input[2] = {
      kind: 'vswitch',
      name: 'vSwitch1',
      uplinks: ['vmnic2', 'vmnic3'],
      teaming: { failureDetection: { mode: 'beacon', intervalSeconds: 1, threshold: -1 } },
    };
    hasError(refused(input), 'interfaces.2.teaming.failureDetection.threshold', />=0/);
    input[2] = { ...input[2], teaming: { failureDetection: { mode: 'beacon', intervalSeconds: 1, threshold: 0 } } };
    assert.equal(parseInterfaceSet(input).length, 5, 'threshold 0 disables beacon detection and is allowed');
  });

  it('an unknown kind', () => {
    hasError(refused([{ kind: 'wifi', name: 'wlan0' }]), 'interfaces.0.kind', /physical.*bond.*vlan.*bridge.*vswitch.*dvswitch.*portgroup.*vmk/);
  });

  it('an unknown extra field (schemas are strict)', () => {
    hasError(refused([{ kind: 'physical', name: 'eth0', speed: 1000 }]), 'interfaces.0', /Unrecognized key.*speed/);
    const input = esxi();
    input[3] = { kind: 'portgroup', name: 'vMotion-1', switch: 'vSwitch1', vlan: 0, teaming: { active: ['vmnic2'], notify: true } };
    hasError(refused(input), 'interfaces.3.teaming', /Unrecognized key.*notify/);
  });

  it('input that is not a list', () => {
    refused({ eth0: { kind: 'physical' } });
  });
});

describe('several errors at once', () => {
  it('reports every schema problem in one error', () => {
    const fields = refused([
      { kind: 'physical', name: 'eth0', mtu: 20 },
      { kind: 'bond', name: 'bond0', members: [], mode: 'lacp' },
      { kind: 'vlan', name: '-bad', parent: 'eth0', vlan: 5000 },
    ]);
    hasError(fields, 'interfaces.0.mtu', />=68/);
    hasError(fields, 'interfaces.1.members', />=1/);
    hasError(fields, 'interfaces.1.mode', /802\.3ad/);
    hasError(fields, 'interfaces.2.name', /starting with a letter or digit/);
    hasError(fields, 'interfaces.2.vlan', /<=4094/);
    assert.equal(fields.length, 5);
  });

  it('reports every graph problem in one error', () => {
    const fields = refused([
      { kind: 'physical', name: 'eth0' },
      { kind: 'physical', name: 'eth0' },
      { kind: 'bond', name: 'bond0', members: ['eth0', 'eth9'], mode: 'active-backup', primary: 'eth1' },
      { kind: 'bond', name: 'bond1', members: ['eth0'], mode: 'active-backup' },
      { kind: 'vswitch', name: 'vs0', uplinks: ['bond1'], teaming: { active: ['eth0'], standby: ['eth0'] } },
    ]);
    hasError(fields, 'interfaces.1.name', /'eth0' is declared twice/);
    hasError(fields, 'interfaces.2', /bond0 names 'eth9' as its member, but no interface has that name/);
    hasError(fields, 'interfaces.2.primary', /'eth1' is not a member of bond0/);
    hasError(fields, 'interfaces.3', /'eth0' is already used by bond0/);
    hasError(fields, 'interfaces.4', /vs0's uplink 'bond1' is a bond; it must be one of: physical/);
    hasError(fields, 'interfaces.4.teaming.active', /'eth0' is not an uplink of the switch \(uplinks: bond1\)/);
    hasError(fields, 'interfaces.4.teaming.standby', /'eth0' appears in more than one of active, standby and unused/);
    assert.equal(fields.length, 8);
  });
});

describe('interface addresses, repeated parents and trunk ranges', () => {
  it('rejects malformed or special interface addresses, repeated uplinks and reversed trunk ranges', () => {
    const errors = validateInterfaceGraph(
      z.array(InterfaceSchema).parse([
        { kind: 'physical', name: 'eth0', addresses: ['banana', '10.0.0.1/99', '10.0.0.0/24', '10.0.0.5/24'] },
        { kind: 'physical', name: 'vmnic0' },
        { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic0'] },
        { kind: 'portgroup', name: 'trunk', switch: 'vSwitch0', vlan: 4095, trunk: [{ first: 200, last: 100 }] },
      ]),
    );
    const byPath = Object.fromEntries(errors.map((error) => [error.path, error.message]));
    assert.match(byPath['interfaces.0.addresses.0']!, /no prefix length/);
    assert.match(byPath['interfaces.0.addresses.1']!, /prefix length/);
    assert.match(byPath['interfaces.0.addresses.2']!, /network address/);
    assert.equal(byPath['interfaces.0.addresses.3'], undefined);
    assert.match(byPath['interfaces.2']!, /vmnic0 more than once/);
    assert.match(byPath['interfaces.3.trunk.0']!, /starts after it ends/);
  });
});

describe('failoverOrder: one rule for the audit, the simulation and the ESXi renderers', () => {
  const uplinks = ['vmnic0', 'vmnic1', 'vmnic2'];
  const order = (active: string[], standby: string[], unused: string[]) => ({ active, standby, unused });

  it('gives a switch naming no order every uplink active, and one naming some lists the rest as the vSphere client shows it', () => {
    assert.deepEqual(failoverOrder(uplinks), order(uplinks, [], []));
    assert.deepEqual(failoverOrder(uplinks, { active: ['vmnic1'] }), order(['vmnic1'], [], ['vmnic0', 'vmnic2']), 'uplinks an active list leaves out are unused');
    assert.deepEqual(failoverOrder(uplinks, { standby: ['vmnic1'] }), order(['vmnic0', 'vmnic2'], ['vmnic1'], []), 'a standby-only order leaves the rest active');
    assert.deepEqual(failoverOrder(uplinks, { unused: ['vmnic2'] }), order(['vmnic0', 'vmnic1'], [], ['vmnic2']));
    assert.deepEqual(failoverOrder(uplinks, { loadBalancing: 'iphash' }), order(uplinks, [], []), 'a policy without lists keeps the default order');
  });

  it('lets a port group name only what differs from its switch; a synced override names both lists and inherits nothing', () => {
    const switchTeaming = { active: ['vmnic1'], standby: ['vmnic0'] };
    assert.deepEqual(failoverOrder(uplinks, switchTeaming), order(['vmnic1'], ['vmnic0'], ['vmnic2']));
    assert.deepEqual(failoverOrder(uplinks, switchTeaming, { failback: false }), order(['vmnic1'], ['vmnic0'], ['vmnic2']));
    assert.deepEqual(failoverOrder(uplinks, switchTeaming, { unused: ['vmnic0'] }), order(['vmnic1'], [], ['vmnic0', 'vmnic2']));
    assert.deepEqual(failoverOrder(uplinks, switchTeaming, { standby: ['vmnic1'] }), order([], ['vmnic1'], ['vmnic0', 'vmnic2']), 'the inherited active list loses what the port group made standby');
    assert.deepEqual(failoverOrder(uplinks, switchTeaming, { active: ['vmnic2'], standby: [] }), order(['vmnic2'], [], ['vmnic0', 'vmnic1']));
  });

  it('is what the audit, the simulation and the esxcli rendering each use, for a standby-only port group (where they once disagreed)', () => {
    const interfaces = parseInterfaceSet(
      [
        ...uplinks.map((name) => ({ kind: 'physical', name })),
        { kind: 'vswitch', name: 'vSwitch1', uplinks, teaming: { active: ['vmnic0', 'vmnic1'], standby: ['vmnic2'] } },
        { kind: 'portgroup', name: 'Storage', switch: 'vSwitch1', vlan: 20, teaming: { standby: ['vmnic0'] } },
      ],
      'esxi',
    );
    const vswitch = interfaces.find((spec) => spec.kind === 'vswitch') as Extract<InterfaceSpec, { kind: 'vswitch' }>;
    const portgroup = interfaces.find((spec) => spec.kind === 'portgroup') as Extract<InterfaceSpec, { kind: 'portgroup' }>;
    const expected = order(['vmnic1'], ['vmnic0'], ['vmnic2']);
    assert.deepEqual(failoverOrder(uplinks, vswitch.teaming, portgroup.teaming), expected);
    const audited = effectiveTeaming(vswitch, portgroup.teaming);
    assert.deepEqual({ active: audited.active, standby: audited.standby, unused: audited.unused }, expected);
    const host = { name: 'esx09', platform: 'esxi' as const, osFamily: 'esxi' as const, interfaces, subnets: {} };
    const storage = simulateFailure(host, [], { links: ['vmnic1'] }).find((entry) => entry.object === 'Storage')!;
    assert.deepEqual([storage.before, storage.after], ['vmnic1', 'vmnic0']);
    const failover = esxcliCommands(host).find((command) => command.includes('policy failover set') && command.includes('--portgroup-name=Storage'));
    assert.match(failover ?? '', /--active-uplinks=vmnic1 --standby-uplinks=vmnic0/);
  });
});
