/**
 * VM network provisioning (`hostwire vm nic add`) against govmomi's simulator with the seeds'
 * estate: the vmxnet3 and its backing as vCenter has it afterwards, the customization, the address
 * owned by the vNIC, the refusals that allocate nothing, and failed reconfigure / customize steps
 * that give the address back (and the NIC).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VimClient } from '../src/connectors/vsphere/client.ts';
import { arrayItems, bool, child, moref, text, typeOf, xml, type MoRef, type Node } from '../src/connectors/vsphere/soap.ts';
import { listAddresses } from '../src/ipam/allocation.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { ProvisionError, provisionVmNic } from '../src/reconcile/provision.ts';
import { runSync } from '../src/reconcile/sync.ts';
import { addAccount } from '../src/services/accounts.ts';
import { listChanges } from '../src/services/changes.ts';
import { listTags } from '../src/services/tags.ts';
import { showVm } from '../src/services/vms.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { startVcsim, type Scenario, type Vcsim } from './vcsim/harness.ts';

const SEEDS = JSON.parse(readFileSync(join(import.meta.dirname, 'vcsim', 'scenarios', 'seeds.json'), 'utf8')) as Scenario;
const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');

/** Address records as [address, owner], and how many change entries exist: what a refusal must not touch. */
async function ledger(context: Context) {
  return {
    addresses: (await listAddresses(context)).map((record) => [record.address, record.ownerKind, record.ownerId]),
    changes: (await listChanges(context)).length,
  };
}

describe('VM NIC provisioning against the simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-provision-'));
  const db = join(dir, 'provision.db');
  let sim: Vcsim;
  let store: Store;
  let context: Context;
  let client: VimClient;
  const refs = new Map<string, MoRef>();
  let vmNetwork: MoRef;

  const vmRef = (name: string) => refs.get(name)!;
  const nicsOf = async (name: string) => {
    const [object] = await client.retrieveProperties(vmRef(name), [{ type: 'VirtualMachine', paths: ['config.hardware.device'] }]);
    return arrayItems(object!.props.get('config.hardware.device')).filter((device) => child(device, 'macAddress') !== undefined);
  };
  const vmProperty = async (name: string, path: string) => (await client.retrieveProperties(vmRef(name), [{ type: 'VirtualMachine', paths: [path] }]))[0]!.props.get(path);
  const powerOff = (name: string) => client.runTask('PowerOffVM_Task', vmRef(name), xml());
  const hostwire = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  before(async () => {
    process.env.HOSTWIRE_SECRET_KEY = 'provision-test-key';
    sim = await startVcsim(SEEDS, { tls: true });
    store = await openStore(db);
    context = makeContext(store, 'test');
    await addAccount(context, { kind: 'vsphere', name: 'vc1', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
    assert.equal((await runSync(context, 'vc1')).status, 'succeeded');
    // The wire of esx01's vSwitch0 (esx02's vSwitch0 joined it from evidence): VLAN 50 is 'VM Network' there, VLAN 60 is nowhere.
    await createSubnet(context, { name: 'vm-50', wire: 'vc1/esx01/vSwitch0', cidr: '10.50.0.0/24', vlan: 50, gateway: '10.50.0.1', dns: ['10.1.1.53', '10.1.1.54'], domain: 'example.com' });
    await createSubnet(context, { name: 'vm-60', wire: 'vc1/esx01/vSwitch0', cidr: '10.60.0.0/24', vlan: 60, gateway: '10.60.0.1' });
    // Attaches web01's 10.50.0.10 (and web02's .11, orphan01's stays unattached: other VLAN).
    await runSync(context, 'vc1');

    client = new VimClient({ url: sim.url, username: sim.username, password: sim.password, tls: { ca: sim.certPem } });
    await client.connect();
    const view = await client.createContainerView(client.serviceContent.rootFolder, ['VirtualMachine', 'Network']);
    for (const object of await client.retrieveProperties(view, [{ type: 'VirtualMachine', paths: ['name'] }])) refs.set(text(object.props.get('name'))!, object.obj);
    vmNetwork = (await client.retrieveProperties(view, [{ type: 'Network', paths: ['name'] }])).find((object) => text(object.props.get('name')) === 'VM Network')!.obj;
    await client.destroyView(view);
  });
  after(async () => {
    await client?.logout().catch(() => undefined);
    await store?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a powered-on VM before allocating anything', async () => {
    const before = await ledger(context);
    await assert.rejects(provisionVmNic(context, { vm: 'web02', subnet: 'vm-50' }), (error: ProvisionError) => {
      assert.equal(error.step, 'check');
      assert.match(error.message, /web02' is poweredOn: vCenter customizes only powered-off VMs.*nothing was allocated/);
      return true;
    });
    assert.deepEqual(await ledger(context), before);
    assert.equal((await nicsOf('web02')).length, 1);
  });

  it('adds a vmxnet3 on the port group of the wire and VLAN, customizes it, and gives the address to the vNIC', async () => {
    await powerOff('web01');
    const web01 = await showVm(context, 'web01');
    const before = await listAddresses(context, { subnet: 'vm-50' });
    const result = await provisionVmNic(context, { vm: 'web01', subnet: 'vm-50' });

    assert.match(result.mac, /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    assert.deepEqual(result.portgroup, { name: 'VM Network', kind: 'standard', switch: 'vc1/esx01/vSwitch0', wire: 'vc1/esx01/vSwitch0', vlan: 'VLAN 50', reasons: [] });
    assert.deepEqual(result.alsoQualifying, []);
    assert.deepEqual([result.address, result.subnet, result.subnetMask, result.gateway, result.dns, result.domain, result.hostName], ['10.50.0.2', 'vm-50', '255.255.255.0', '10.50.0.1', ['10.1.1.53', '10.1.1.54'], 'example.com', 'web01']);
    // Every NIC is customized: the old one keeps the address hostwire holds for it.
    assert.deepEqual(result.nics, [
      { mac: '00:50:56:aa:00:01', setting: '10.50.0.10/255.255.255.0' },
      { mac: result.mac, setting: '10.50.0.2/255.255.255.0' },
    ]);
    assert.deepEqual(result.warnings, []);

    // vCenter: one more VirtualVmxnet3, with the MAC, the Network backing and connected.
    const nics = await nicsOf('web01');
    assert.equal(nics.length, 2);
    const added = nics.find((device) => text(child(device, 'macAddress')) === result.mac) as Node;
    assert.equal(typeOf(added), 'VirtualVmxnet3');
    assert.equal(text(child(added, 'addressType')), 'manual');
    assert.equal(Number(text(child(added, 'key'))), result.deviceKey);
    const backing = child(added, 'backing');
    assert.equal(typeOf(backing), 'VirtualEthernetCardNetworkBackingInfo');
    assert.equal(text(child(backing, 'deviceName')), 'VM Network');
    assert.deepEqual(moref(child(backing, 'network')), vmNetwork);
    assert.equal(bool(child(child(added, 'connectable'), 'startConnected')), true);
    assert.equal(bool(child(child(added, 'connectable'), 'connected')), true);
    // The customization was accepted: it waits for the next power-on.
    assert.ok(text(await vmProperty('web01', 'config.tools.pendingCustomization')));

    // hostwire: the address belongs to the vNIC, and the vNIC is recorded with it.
    const afterAddresses = await listAddresses(context, { subnet: 'vm-50' });
    assert.equal(afterAddresses.length, before.length + 1);
    const record = afterAddresses.find((candidate) => candidate.address === '10.50.0.2')!;
    assert.deepEqual([record.state, record.ownerKind, record.ownerId], ['allocated', 'vnic', `${web01.uuid}/${result.mac}`]);
    const stored = (await showVm(context, 'web01')).vnics.find((vnic) => vnic.mac === result.mac)!;
    assert.deepEqual([stored.portgroup, stored.connected, stored.observedIps], ['VM Network', true, ['10.50.0.2']]);
  });

  it('refuses when no port group of the host has the wire and VLAN, says why for each, and allocates nothing', async () => {
    const before = await ledger(context);
    const nics = (await nicsOf('web01')).length;
    await assert.rejects(provisionVmNic(context, { vm: 'web01', subnet: 'vm-60' }), (error: ProvisionError) => {
      assert.equal(error.step, 'choose port group');
      assert.equal(error.kind, 'conflict');
      assert.equal(error.released, null);
      assert.match(error.message, /no port group on host 'esx01' is on wire 'vc1\/esx01\/vSwitch0' with VLAN 60 \(subnet 'vm-60'\); nothing was allocated/);
      assert.match(error.message, /'VM Network' \(standard, switch vc1\/esx01\/vSwitch0\): wire 'vc1\/esx01\/vSwitch0', VLAN 50: its VLAN is 50, the subnet's is 60/);
      assert.match(error.message, /'Management Network' \(standard, switch vc1\/esx01\/vSwitch0\): wire 'vc1\/esx01\/vSwitch0', VLAN 100/);
      assert.match(error.message, /'vMotion-1' \(standard, switch vc1\/esx01\/vSwitch1\): wire 'vc1\/esx01\/vSwitch1', untagged \(VLAN 0\): it is on wire 'vc1\/esx01\/vSwitch1', not 'vc1\/esx01\/vSwitch0'/);
      assert.match(error.message, /'dv-db-51' \(distributed, switch vc1\/dvs1\): wire 'vc1\/dvs1', VLAN 51/);
      assert.match(error.message, /'dv-trunk' \(distributed, switch vc1\/dvs1\): wire 'vc1\/dvs1', trunk 100-200: .*it is a trunk/);
      assert.ok(!/DVUplinks/.test(error.message), 'uplink port groups are not listed');
      return true;
    });
    const afterLedger = await ledger(context);
    assert.deepEqual(afterLedger, before);
    assert.equal((await listAddresses(context, { subnet: 'vm-60' })).length, 1, 'only the gateway');
    assert.equal((await nicsOf('web01')).length, nics);

    // The same through the CLI: exit 3 (conflict), the explanation on stderr.
    const cli = hostwire('vm', 'nic', 'add', 'web01', '--subnet', 'vm-60');
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(cli.stderr, /^error: choose port group: no port group on host 'esx01'/);
    assert.match(cli.stderr, /'VM Network' \(standard/);
    assert.deepEqual(await ledger(context), before);
  });

  it('releases the address when vCenter refuses the reconfiguration (a template)', async () => {
    await powerOff('db01');
    await client.call('MarkAsTemplate', vmRef('db01'), xml());
    const before = await ledger(context);
    const allocated = (await listAddresses(context, { state: 'allocated' })).length;
    await assert.rejects(provisionVmNic(context, { vm: 'db01', subnet: 'vm-50', ip: '10.50.0.77' }), (error: ProvisionError) => {
      assert.equal(error.step, 'reconfigure');
      assert.equal(error.released, '10.50.0.77');
      assert.equal(error.nicRemoved, null);
      assert.match(error.message, /^reconfigure failed: ReconfigVM_Task failed: .*NotSupported; no NIC was added; 10\.50\.0\.77 was released$/);
      return true;
    });
    const afterLedger = await ledger(context);
    assert.deepEqual(afterLedger.addresses, before.addresses);
    assert.equal((await listAddresses(context, { state: 'allocated' })).length, allocated);
    assert.equal(afterLedger.changes, before.changes + 2, 'one allocate, one release');
    assert.equal((await nicsOf('db01')).length, 1);
    // Released without hold-down: the address can be taken again at once.
    assert.ok(!(await listAddresses(context)).some((record) => record.address === '10.50.0.77'));
  });

  it('removes the NIC and releases the address when the customization fails', async () => {
    // web01 still has the first customization pending: vCenter refuses a second one.
    const before = await ledger(context);
    await assert.rejects(provisionVmNic(context, { vm: 'web01', subnet: 'vm-50', ip: '10.50.0.99' }), (error: ProvisionError) => {
      assert.equal(error.step, 'customize');
      assert.equal(error.released, '10.50.0.99');
      assert.equal(error.nicRemoved, true);
      assert.match(error.message, /^customize failed: CustomizeVM_Task failed: .*CustomizationPending; NIC 00:50:56:[0-9a-f:]+ was removed again; 10\.50\.0\.99 was released$/);
      return true;
    });
    const afterLedger = await ledger(context);
    assert.deepEqual(afterLedger.addresses, before.addresses);
    assert.equal(afterLedger.changes, before.changes + 2);
    assert.equal((await nicsOf('web01')).length, 2, 'the original NIC and the first provisioned one');
    assert.equal((await showVm(context, 'web01')).vnics.length, 2);
  });

  it('agrees with the next sync once the guest has been customized', async () => {
    const web01 = await showVm(context, 'web01');
    const provisioned = web01.vnics.find((vnic) => vnic.mac !== '00:50:56:aa:00:01')!;
    // Power-on applies the pending customization: the guest reports the fixed address on the new NIC.
    await client.runTask('PowerOnVM_Task', vmRef('web01'), xml());
    const guest = arrayItems(await vmProperty('web01', 'guest.net')).map((nic) => [text(child(nic, 'macAddress')), text(child(nic, 'ipAddress'))]);
    assert.deepEqual(guest.slice(0, 2), [['00:50:56:aa:00:01', '10.50.0.10'], [provisioned.mac, '10.50.0.2']]);

    const result = await runSync(context, 'vc1');
    assert.equal(result.complete, true);
    assert.equal(result.counts.address?.removed ?? 0, 0, JSON.stringify(result.counts));
    const record = (await listAddresses(context)).find((candidate) => candidate.address === '10.50.0.2')!;
    assert.deepEqual([record.ownerKind, record.ownerId], ['vnic', `${web01.uuid}/${provisioned.mac}`]);
    assert.equal((await listTags(context, { kind: 'vm', name: web01.uuid })).sync_ips, undefined);
    const synced = (await showVm(context, 'web01')).vnics.find((vnic) => vnic.mac === provisioned.mac)!;
    assert.deepEqual([synced.portgroup, synced.observedIps], ['VM Network', ['10.50.0.2']]);
  });

  it('provisions through the CLI with --json, on the other host', async () => {
    await powerOff('orphan01');
    const cli = hostwire('vm', 'nic', 'add', 'orphan01', '--subnet', 'vm-50', '--ip', '10.50.0.40', '--json');
    assert.equal(cli.code, 0, cli.stderr);
    const result = JSON.parse(cli.stdout);
    assert.equal(result.host, 'esx02');
    assert.equal(result.address, '10.50.0.40');
    assert.equal(result.portgroup.name, 'VM Network');
    assert.equal(result.portgroup.switch, 'vc1/esx02/vSwitch0');
    assert.equal(result.portgroup.wire, 'vc1/esx01/vSwitch0');
    // orphan01's own 192.168.77.20 is in no subnet of its wire and VLAN: hostwire does not know it, so DHCP.
    assert.deepEqual(result.warnings, ['NIC 00:50:56:aa:00:04 has no IPv4 address in hostwire: the customization sets it to DHCP']);
    const nics = await nicsOf('orphan01');
    assert.deepEqual(nics.map((device) => [typeOf(device), text(child(device, 'macAddress'))]), [['VirtualVmxnet3', '00:50:56:aa:00:04'], ['VirtualVmxnet3', result.mac]]);
    const record = (await listAddresses(context)).find((candidate) => candidate.address === '10.50.0.40')!;
    assert.equal(record.ownerId, `${result.vm.uuid}/${result.mac}`);
  });

  // Known gap, outside provisioning: on a complete snapshot reconcile/vsphere.ts releases every
  // vnic-owned address the guest does not report, so a sync that runs before the customized VM is
  // powered on (guest.net has no IP for the new NIC yet) takes the provisioned address back.
  it('keeps the address through a sync that runs before the VM is powered on', async () => {
    await powerOff('web02');
    const result = await provisionVmNic(context, { vm: 'web02', subnet: 'vm-50', ip: '10.50.0.42' });
    await runSync(context, 'vc1');
    const record = (await listAddresses(context)).find((candidate) => candidate.address === '10.50.0.42');
    assert.equal(record?.ownerId, `${result.vm.uuid}/${result.mac}`);
  });
});
