/**
 * VLAN-aware Linux bridges in the model: what a declaration may say (vids only on a VLAN-aware
 * linux bridge, ranges forwards, trunks as ports), how two descriptions compare (vids as merged
 * ranges), and the formats without VLAN filtering refusing such a bridge instead of rendering a
 * bridge that would forward every VLAN (the ovs format renders only ovs bridges, which cannot be
 * declared VLAN-aware).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostwireError } from '../src/domain/errors.ts';
import { parseInterfaceSet, vlanRangeTexts } from '../src/domain/interfaces.ts';
import { diffNetworks } from '../src/domain/network-diff.ts';
import type { RenderInput } from '../src/render/files.ts';
import { renderIfcfg } from '../src/render/ifcfg/index.ts';
import { renderIfupdown } from '../src/render/ifupdown/index.ts';
import { renderLibvirt } from '../src/render/libvirt/index.ts';
import { renderNetplan } from '../src/render/netplan/index.ts';
import { renderNetworkManager } from '../src/render/networkmanager/index.ts';

const nic = { kind: 'physical', name: 'eno1' };
const bridge = (fields: Record<string, unknown>) => ({ kind: 'bridge', name: 'vmbr0', ports: ['eno1'], ...fields });

/** The field errors of a refused interface set. */
function refusedFields(input: unknown[]): { path: string; message: string }[] {
  try {
    parseInterfaceSet(input, 'kvm');
  } catch (error) {
    assert.ok(error instanceof HostwireError);
    return error.fields;
  }
  assert.fail('the interface set was accepted');
}

describe('VLAN-aware bridges', () => {
  it('accepts ids and ranges and merges them: 10, 20-30 and 25-40 are 10 and 20-40', () => {
    const [, spec] = parseInterfaceSet([nic, bridge({ vlanAware: true, vids: [100, { first: 25, last: 40 }, 10, { first: 20, last: 30 }, 41] })], 'kvm');
    assert.equal(spec!.kind, 'bridge');
    assert.deepEqual(vlanRangeTexts(spec!.kind === 'bridge' ? spec!.vids! : []), ['10', '20-41', '100']);
  });

  it('refuses vids without VLAN awareness, backwards or out-of-range ids, an OVS bridge, and a VLAN interface as a port', () => {
    assert.deepEqual(refusedFields([nic, bridge({ vids: [10] })]), [{ path: 'interfaces.1.vids', message: 'vmbr0 lists vids but is not VLAN-aware; set vlanAware: true or drop vids' }]);
    assert.deepEqual(refusedFields([nic, bridge({ vlanAware: true, vids: [{ first: 30, last: 20 }] })]), [{ path: 'interfaces.1.vids.0', message: 'VLAN range 30-20 starts after it ends' }]);
    assert.deepEqual(refusedFields([nic, bridge({ vlanAware: true, vids: [4095] })]).map((field) => field.path), ['interfaces.1.vids.0']);
    assert.deepEqual(refusedFields([nic, bridge({ flavor: 'ovs', vlanAware: true })]), [{ path: 'interfaces.1.vlanAware', message: 'vmbr0 is an Open vSwitch bridge, which filters VLANs by port tags; vlanAware applies to linux bridges' }]);
    assert.deepEqual(refusedFields([nic, { kind: 'vlan', name: 'eno1.10', parent: 'eno1', vlan: 10 }, bridge({ ports: ['eno1.10'], vlanAware: true })]), [
      { path: 'interfaces.2.ports', message: 'vmbr0 is VLAN-aware, so its port eno1.10 must be a trunk (a NIC or bond), not a VLAN interface; list VLAN 10 in vids instead' },
    ]);
  });

  it('compares vids by meaning and reports a lost VLAN awareness', () => {
    const declared = parseInterfaceSet([nic, bridge({ vlanAware: true, vids: [10, { first: 11, last: 20 }] })], 'kvm');
    assert.deepEqual(diffNetworks(declared, parseInterfaceSet([nic, bridge({ vlanAware: true, vids: [{ first: 10, last: 20 }] })], 'kvm'), 'kvm'), []);
    const plain = parseInterfaceSet([nic, bridge({})], 'kvm');
    assert.deepEqual(
      diffNetworks(declared, plain, 'kvm').map((difference) => difference.message),
      ['vmbr0: VLAN awareness is (unset), declared true', 'vmbr0: VLAN ids is (unset), declared 10-20'],
    );
  });

  it('is refused by the Linux formats that do not filter VLANs on a bridge', () => {
    const host: RenderInput = { name: 'pve1', platform: 'kvm', osFamily: 'rhel', interfaces: parseInterfaceSet([nic, bridge({ vlanAware: true, vids: [10] })], 'kvm') };
    for (const [format, render] of [['ifcfg', renderIfcfg], ['netplan', renderNetplan], ['ifupdown', renderIfupdown], ['networkmanager', renderNetworkManager], ['libvirt', renderLibvirt]] as const) {
      assert.throws(
        () => render(host),
        (error: unknown) => error instanceof HostwireError && error.message === `vmbr0 is VLAN-aware, which ${format} cannot express: render pve1 with ifupdown2, or use one bridge per VLAN` && error.fields[0]?.path === 'interfaces.1.vlanAware',
        format,
      );
    }
  });
});
