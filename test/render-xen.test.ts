/**
 * The Xen `vif` rendering: the demo estate's xen1 host (seed 003's per-VLAN xenbrN bridges) gives
 * its guest's vif line exactly as read from the store; Open vSwitch port groups put their tag in the
 * bridge name with the vif-openvswitch script; vNICs that cannot be placed are refused by VM and MAC.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import type { RenderInput } from '../src/render/files.ts';
import { renderXen } from '../src/render/xen/index.ts';
import { seedDemo } from '../src/services/demo.ts';
import { renderInputFor } from '../src/services/host-network.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';

const OVS_HOST: RenderInput = {
  name: 'xen2',
  platform: 'xen',
  osFamily: 'rhel',
  interfaces: parseInterfaceSet(
    [
      { kind: 'physical', name: 'eth0' },
      { kind: 'physical', name: 'eth1' },
      { kind: 'bridge', name: 'ovsbr0', flavor: 'ovs', ports: ['eth0'] },
      { kind: 'portgroup', name: 'web', switch: 'ovsbr0', vlan: 50 },
      { kind: 'portgroup', name: 'lab-trunk', switch: 'ovsbr0', vlan: 4095, trunk: [{ first: 10, last: 11 }, { first: 20, last: 20 }] },
      { kind: 'bridge', name: 'xenbr1', ports: ['eth1'] },
      { kind: 'portgroup', name: 'db', switch: 'xenbr1', vlan: 51 },
    ],
    'xen',
  ),
};

const header = (file: string) => `# Rendered by hostwire: the vif line of /etc/xen/${file}.cfg; edit the declaration, not this file.\n`;

describe('Xen vif rendering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-xen-'));
  let store: Store;

  before(async () => {
    store = await openStore(join(dir, 'xen.db'));
    await seedDemo(makeContext(store, 'test'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders the demo xen1 guest's vif line on its VLAN 20 bridge, as seed 003 writes it", async () => {
    const host = await renderInputFor(makeContext(store, 'test'), 'xen1');
    assert.deepEqual(renderXen(host), [{ path: 'etc/xen/lab-router.vif.cfg', content: `${header('lab-router')}vif = ['mac=00:16:3e:20:00:10,bridge=xenbr20']\n` }]);
  });

  it('tags Open vSwitch ports in the bridge name with the vif-openvswitch script, one file per VM', () => {
    const files = renderXen({
      ...OVS_HOST,
      vms: [
        { name: 'web/01', nics: [{ mac: '00:16:3E:50:00:01', attachment: 'web' }, { mac: '00:16:3e:50:00:02', attachment: 'ovsbr0' }, { mac: '00:16:3e:50:00:03', attachment: 'xenbr1' }] },
        { name: 'router', nics: [{ mac: '00:16:3e:20:00:01', attachment: 'lab-trunk' }] },
      ],
    });
    assert.deepEqual(files, [
      {
        path: 'etc/xen/web_01.vif.cfg',
        content: `${header('web_01')}vif = ['mac=00:16:3e:50:00:01,bridge=ovsbr0.50,script=vif-openvswitch', 'mac=00:16:3e:50:00:02,bridge=ovsbr0,script=vif-openvswitch', 'mac=00:16:3e:50:00:03,bridge=xenbr1']\n`,
      },
      { path: 'etc/xen/router.vif.cfg', content: `${header('router')}vif = ['mac=00:16:3e:20:00:01,bridge=ovsbr0:10:11:20,script=vif-openvswitch']\n` },
    ]);
  });

  it('refuses vNICs it cannot place, naming the VM and MAC and what to use instead', () => {
    const render = (attachment: string | null, mac = '00:16:3e:00:00:09') => () => renderXen({ ...OVS_HOST, vms: [{ name: 'lab-router', nics: [{ mac, attachment }] }] });
    assert.throws(render(null), /^HostwireError: VM lab-router: vNIC 00:16:3e:00:00:09 is attached to nothing; attach it to a bridge or port group of xen2 \(use one of: ovsbr0, web, lab-trunk, xenbr1, db\)$/);
    assert.throws(render('eth1'), /^HostwireError: VM lab-router: vNIC 00:16:3e:00:00:09 is attached to 'eth1', which is not a bridge or a bridge's port group on xen2; use one of: ovsbr0, web, lab-trunk, xenbr1, db$/);
    assert.throws(render('db'), /^HostwireError: port group db has VLAN 51 on Linux bridge xenbr1, but libvirt and Xen tag guest ports only on Open vSwitch bridges; make xenbr1 an ovs bridge, or attach guests to a per-VLAN bridge$/);
    assert.throws(render('web', '00:16:3e:00:00'), /^HostwireError: VM lab-router: vNIC 00:16:3e:00:00 has no valid MAC address; use six hex pairs such as 00:16:3e:20:00:10$/);
    const spaced = { ...OVS_HOST, interfaces: parseInterfaceSet([{ kind: 'bridge', name: 'xen br', ports: [] }], 'xen'), vms: [{ name: 'lab-router', nics: [{ mac: '00:16:3e:00:00:09', attachment: 'xen br' }] }] };
    assert.throws(() => renderXen(spaced), /^HostwireError: VM lab-router: vNIC 00:16:3e:00:00:09 is on bridge 'xen br', which is not a Linux interface name/);
  });
});
