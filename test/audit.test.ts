/**
 * The audit: every rule against an estate that triggers it and one that does not, each built
 * through the real services on a temporary SQLite store (host declarations, syncs of hand-built
 * vCenter snapshots for switch→wire mappings and sync_ips, VMs, subnets); seed 002's twelve-host
 * cluster giving exactly its vMotion-disabled vmks, in process and through the CLI's JSON; the plan
 * of `audit fix`; and GET /api/v1/findings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { createApp } from '../src/api/app.ts';
import { createObservability } from '../src/api/observability.ts';
import { RULES } from '../src/audit/index.ts';
import { parseApplyDocument } from '../src/domain/declaration.ts';
import type { Platform } from '../src/domain/model.ts';
import { allocate } from '../src/ipam/allocation.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { reconcileVsphere } from '../src/reconcile/vsphere.ts';
import { mergeWires } from '../src/reconcile/wires.ts';
import { audit, planFix } from '../src/services/audit.ts';
import { applyDeclarations } from '../src/services/declarations.ts';
import { esxInterfaces, OVM_INTERFACES } from '../src/services/demo.ts';
import { setHostInterfaces, showHost, upsertHost } from '../src/services/hosts.ts';
import { createToken } from '../src/services/tokens.ts';
import { upsertVm } from '../src/services/vms.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { hostwire } from './support/cli.ts';
import { esxHost, snapshot, vm } from './support/vsphere-snapshot.ts';

const dir = mkdtempSync(join(tmpdir(), 'hostwire-audit-'));
const stores: Store[] = [];
after(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh, empty store. */
async function estate(): Promise<Context> {
  const store = await openStore(join(dir, `audit-${stores.length}.db`));
  stores.push(store);
  return makeContext(store, 'test');
}

/** `host apply` of YAML documents: declarations or profiles. */
async function declare(context: Context, yaml: string): Promise<void> {
  await applyDeclarations(context, parseAllDocuments(yaml).flatMap((document) => parseApplyDocument(document.toJS())));
}

/** A host's interfaces as a sync records them: not held to the declaration rules. */
async function observe(context: Context, name: string, platform: Platform, interfaces: unknown[], cluster: string | null = null): Promise<void> {
  await upsertHost(context, { name, platform, cluster });
  await setHostInterfaces(context, name, interfaces, { observed: true });
}

const hex = (byte: number) => byte.toString(16).padStart(2, '0');

/** A VM with one vNIC per entry, on `host`: MAC 00:50:56:aa+N:SERIAL for its Nth. */
async function guest(context: Context, name: string, serial: number, host: string, nics: { portgroup: string; ips?: string[] }[]): Promise<void> {
  await upsertVm(context, {
    uuid: `4210a1b2-0c3d-4e5f-8a9b-${String(serial).padStart(12, '0')}`,
    name,
    host,
    vnics: nics.map((nic, index) => ({ mac: `00:50:56:${hex(0xaa + index)}:${hex(serial >> 8)}:${hex(serial & 0xff)}`, portgroup: nic.portgroup, observedIps: nic.ips ?? [] })),
  });
}

/** The findings of one rule, with the fields every finding is judged by. */
async function findings(context: Context, rule: string) {
  return (await audit(context, { rule })).map((finding) => ({ rule: finding.rule, host: finding.host, objects: finding.objects, message: finding.message }));
}

/** One finding of `rule`, as findings() returns it. */
const finding = (rule: string, host: string | null, objects: string[], message: string) => ({ rule, host, objects, message });

/** Two ESXi hosts of cluster c1 with multi-NIC vMotion on vSwitch1; `services` per host and vmk. */
function vmotionCluster(services: Record<string, Record<string, string>>, extra = ''): string {
  return Object.entries(services)
    .map(([host, vmkServices], index) => {
      const octet = 51 + index;
      return `host: ${host}
platform: esxi
cluster: c1
interfaces:
  - {name: vmnic0, type: physical}
  - {name: vmnic2, type: physical}
  - {name: vmnic3, type: physical}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0]}
  - {name: Management Network, type: portgroup, switch: vSwitch0, vlan: 100}
  - {name: vmk0, type: vmk, portgroup: Management Network, addresses: [10.1.1.${octet}/24], services: [management]}
  - {name: vSwitch1, type: vswitch, uplinks: [vmnic2, vmnic3]}
  - {name: vMotion-1, type: portgroup, switch: vSwitch1, vlan: 0, teaming: {active: [vmnic2], unused: [vmnic3]}}
  - {name: vmk1, type: vmk, portgroup: vMotion-1, addresses: [172.16.1.${octet}/24], services: [${vmkServices.vmk1 ?? 'vmotion'}]}
  - {name: vMotion-2, type: portgroup, switch: vSwitch1, vlan: 0, teaming: {active: [vmnic3], unused: [vmnic2]}}
  - {name: vmk2, type: vmk, portgroup: vMotion-2, addresses: [172.16.2.${octet}/24], services: [${vmkServices.vmk2 ?? 'vmotion'}]}
${extra}`;
    })
    .join('---\n');
}

describe('audit rules: each triggered, and not', () => {
  it('vmotion-not-enabled: a vmk whose subnet carries vMotion on another host of the cluster, with the fix lines', async () => {
    const context = await estate();
    await declare(context, vmotionCluster({ esx01: {}, esx02: { vmk2: '' } }));
    assert.deepEqual(await findings(context, 'vmotion-not-enabled'), [
      finding('vmotion-not-enabled', 'esx02', ['esx02', 'vmk2'], 'esx02 vmk2 (vMotion-2) is not enabled for vMotion, while subnet 172.16.2.0/24 carries vMotion on other hosts of cluster c1'),
    ]);
    const [found] = await audit(context, { rule: 'vmotion-not-enabled' });
    assert.equal(found!.severity, 'error');
    assert.equal(
      found!.fix,
      [
        'esxcli network ip interface tag add --interface-name=vmk2 --tagname=VMotion',
        "Get-VMHost -Name 'esx02' | Get-VMHostNetworkAdapter -Name 'vmk2' | Set-VMHostNetworkAdapter -VMotionEnabled $true -Confirm:$false",
        'hostwire audit fix vmotion-not-enabled --host esx02 --apply',
      ].join('\n'),
    );
  });

  it('vmotion-not-enabled: not when every peer has it, outside a cluster, or when only the host itself carries vMotion in that subnet', async () => {
    const enabled = await estate();
    await declare(enabled, vmotionCluster({ esx01: {}, esx02: {} }));
    assert.deepEqual(await findings(enabled, 'vmotion-not-enabled'), []);

    const noCluster = await estate();
    await declare(noCluster, vmotionCluster({ esx01: {}, esx02: { vmk2: '' } }).replaceAll('cluster: c1\n', ''));
    assert.deepEqual(await findings(noCluster, 'vmotion-not-enabled'), []);

    // An NFS vmk in the host's own vMotion subnet has no peer on another host to fall back from.
    const alone = await estate();
    await declare(alone, vmotionCluster({ esx01: {} }, '  - {name: vmk3, type: vmk, portgroup: vMotion-1, addresses: [172.16.1.151/24], services: [nfs]}\n'));
    assert.deepEqual(await findings(alone, 'vmotion-not-enabled'), []);
  });

  it('vmotion-subnets-differ: a host missing a vMotion subnet, and a host with two vMotion vmks in one subnet', async () => {
    const context = await estate();
    const documents = vmotionCluster({ esx01: {}, esx02: {}, esx03: {} })
      .split('---\n')
      .map((document, index) => (index === 1 ? document.replace(/  - \{name: vMotion-2.*\n  - \{name: vmk2.*\n/, '') : index === 2 ? document.replace('172.16.2.53/24', '172.16.1.153/24') : document));
    await declare(context, documents.join('---\n'));
    assert.deepEqual(await findings(context, 'vmotion-subnets-differ'), [
      finding('vmotion-subnets-differ', 'esx02', ['esx02', '172.16.2.0/24'], 'esx02 has no vmk in vMotion subnet 172.16.2.0/24, which other hosts of cluster c1 use'),
      finding('vmotion-subnets-differ', 'esx03', ['esx03', '172.16.2.0/24'], 'esx03 has no vmk in vMotion subnet 172.16.2.0/24, which other hosts of cluster c1 use'),
      finding('vmotion-subnets-differ', 'esx03', ['esx03', 'vmk1', 'vmk2'], 'esx03 has two vMotion vmks in 172.16.1.0/24: vmk1 and vmk2'),
    ]);
  });

  it('vmotion-subnets-differ: not when every host has a vmk in every vMotion subnet, even one with vMotion off', async () => {
    const context = await estate();
    await declare(context, vmotionCluster({ esx01: {}, esx02: { vmk2: '' } }));
    assert.deepEqual(await findings(context, 'vmotion-subnets-differ'), []);
  });

  it('vmotion-iscsi-teaming: a standby uplink, an inherited all-active order, and an iSCSI vmk on a teamed port group', async () => {
    const context = await estate();
    await declare(
      context,
      `host: esx01
platform: esxi
interfaces:
  - {name: vmnic2, type: physical}
  - {name: vmnic3, type: physical}
  - {name: vmnic4, type: physical}
  - {name: vmnic5, type: physical}
  - {name: vSwitch1, type: vswitch, uplinks: [vmnic2, vmnic3]}
  - {name: vMotion-1, type: portgroup, switch: vSwitch1, vlan: 0, teaming: {active: [vmnic2], standby: [vmnic3]}}
  - {name: vmk1, type: vmk, portgroup: vMotion-1, addresses: [172.16.1.51/24], services: [vmotion]}
  - {name: vMotion-2, type: portgroup, switch: vSwitch1, vlan: 0}
  - {name: vmk2, type: vmk, portgroup: vMotion-2, addresses: [172.16.2.51/24], services: [vmotion]}
  - {name: vSwitch2, type: vswitch, uplinks: [vmnic4, vmnic5]}
  - {name: iSCSI-1, type: portgroup, switch: vSwitch2, vlan: 30}
  - {name: vmk3, type: vmk, portgroup: iSCSI-1, addresses: [10.30.0.51/24], services: [iscsi]}
`,
    );
    assert.deepEqual(await findings(context, 'vmotion-iscsi-teaming'), [
      finding('vmotion-iscsi-teaming', 'esx01', ['esx01', 'vmk1', 'vMotion-1'], "esx01 vmk1 (vMotion) on port group 'vMotion-1' has active [vmnic2] and standby [vmnic3]; it needs one active uplink and the others unused"),
      finding('vmotion-iscsi-teaming', 'esx01', ['esx01', 'vmk2', 'vMotion-2'], "esx01 vmk2 (vMotion) on port group 'vMotion-2' has active [vmnic2, vmnic3] and standby []; it needs one active uplink and the others unused"),
      finding('vmotion-iscsi-teaming', 'esx01', ['esx01', 'vmk3', 'iSCSI-1'], "esx01 vmk3 (iSCSI) on port group 'iSCSI-1' has active [vmnic4, vmnic5] and standby []; it needs one active uplink and the others unused"),
    ]);
    assert.equal(
      (await audit(context, { rule: 'vmotion-iscsi-teaming' }))[0]!.fix,
      "esxcli network vswitch standard portgroup policy failover set --portgroup-name=vMotion-1 --active-uplinks=vmnic2\nGet-VMHost -Name 'esx01' | Get-VirtualPortGroup -Name 'vMotion-1' | Get-NicTeamingPolicy | Set-NicTeamingPolicy -MakeNicActive 'vmnic2' -MakeNicUnused 'vmnic3'",
    );
  });

  it('vmotion-iscsi-teaming: not with one active uplink and the other unused, nor for a lone vMotion vmk on a team', async () => {
    const context = await estate();
    await declare(
      context,
      `${vmotionCluster({ esx01: {} })}  - {name: vmnic4, type: physical}
  - {name: vmnic5, type: physical}
  - {name: vSwitch2, type: vswitch, uplinks: [vmnic4, vmnic5]}
  - {name: Provisioning, type: portgroup, switch: vSwitch2, vlan: 40}
  - {name: vmk3, type: vmk, portgroup: Provisioning, addresses: [10.40.0.51/24], services: [vmotion]}
`,
    );
    assert.deepEqual(await findings(context, 'vmotion-iscsi-teaming'), []);
  });

  const portgroupHost = (host: string, vmNetworkVlan: number, withDb: boolean) => `host: ${host}
platform: esxi
cluster: c1
interfaces:
  - {name: vmnic0, type: physical}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0]}
  - {name: VM Network, type: portgroup, switch: vSwitch0, vlan: ${vmNetworkVlan}}
  - {name: Unused, type: portgroup, switch: vSwitch0, vlan: 70}
${withDb ? '  - {name: DB, type: portgroup, switch: vSwitch0, vlan: 60}\n' : ''}`;

  it('portgroup-vlan-mismatch: one name on two VLANs, and a VM port group missing on hosts of the cluster', async () => {
    const context = await estate();
    await declare(context, [portgroupHost('esx01', 50, true), portgroupHost('esx02', 50, false), portgroupHost('esx03', 51, false).replace(/  - \{name: Unused.*\n/, '')].join('---\n'));
    await guest(context, 'db01', 1, 'esx01', [{ portgroup: 'DB' }]);
    assert.deepEqual(await findings(context, 'portgroup-vlan-mismatch'), [
      finding('portgroup-vlan-mismatch', 'esx03', ['esx03', 'VM Network'], "port group 'VM Network' is VLAN 51 on esx03 but VLAN 50 on esx01, esx02 (cluster c1)"),
      finding('portgroup-vlan-mismatch', 'esx02', ['esx02', 'DB'], "port group 'DB' (VLAN 60) carries VMs on esx01 but is missing on esx02 (cluster c1)"),
      finding('portgroup-vlan-mismatch', 'esx03', ['esx03', 'DB'], "port group 'DB' (VLAN 60) carries VMs on esx01 but is missing on esx03 (cluster c1)"),
    ]);
  });

  it('portgroup-vlan-mismatch: not when names and VLANs agree; a port group without VMs may be missing', async () => {
    const context = await estate();
    await declare(context, [portgroupHost('esx01', 50, true), portgroupHost('esx02', 50, true), portgroupHost('esx03', 50, true).replace(/  - \{name: Unused.*\n/, '')].join('---\n'));
    await guest(context, 'db01', 1, 'esx01', [{ portgroup: 'DB' }]);
    assert.deepEqual(await findings(context, 'portgroup-vlan-mismatch'), []);
  });

  /** esx01 synced with VM Network (VLAN 50) holding web01 and web02, whose IPs no subnet contains. */
  const orphanSnapshot = () =>
    snapshot(
      [esxHost('esx01', 'host-10', { portgroups: [['Management Network', 100], ['VM Network', 50]], vmks: [{ name: 'vmk0', portgroup: 'Management Network', ip: '10.1.1.51/24', services: ['management'] }], gateway: '10.1.1.1' })],
      [vm('web01', 1, 'host-10', { mac: '00:50:56:aa:00:01', portgroup: 'VM Network', ips: ['192.168.77.20'] }), vm('web02', 2, 'host-10', { mac: '00:50:56:aa:00:02', portgroup: 'VM Network', ips: ['192.168.77.21'] })],
    );

  it('vm-ip-without-subnet: sync_ips grouped by the missing /24, whose fix names the wire and VLAN of their port group', async () => {
    const context = await estate();
    await reconcileVsphere(context, 'vc1', orphanSnapshot());
    assert.deepEqual(await findings(context, 'vm-ip-without-subnet'), [
      finding('vm-ip-without-subnet', null, ['web01', 'web02', '192.168.77.20', '192.168.77.21'], '2 VM IPs in 192.168.77.0/24 (web01 192.168.77.20, web02 192.168.77.21) have no subnet'),
    ]);
    assert.equal((await audit(context, { rule: 'vm-ip-without-subnet' }))[0]!.fix, 'hostwire subnet create vm-192-168-77-0 --wire vc1/esx01/vSwitch0 --cidr 192.168.77.0/24 --vlan 50\nhostwire sync ACCOUNT   # attaches the IPs to the new subnet');
  });

  it('vm-ip-without-subnet: not once the subnet the fix proposes exists, before and after the next sync', async () => {
    const context = await estate();
    await reconcileVsphere(context, 'vc1', orphanSnapshot());
    await createSubnet(context, { name: 'vm-192-168-77-0', wire: 'vc1/esx01/vSwitch0', cidr: '192.168.77.0/24', vlan: 50 });
    assert.deepEqual(await findings(context, 'vm-ip-without-subnet'), []);
    await reconcileVsphere(context, 'vc1', orphanSnapshot());
    assert.deepEqual(await findings(context, 'vm-ip-without-subnet'), []);
    // The sync attached them, as seed 004 says it does once the subnet is there.
    assert.deepEqual((await audit(context, {})).filter((found) => found.objects.includes('192.168.77.20')), []);
  });

  const mgmtHost = `host: esx01
platform: esxi
interfaces:
  - {name: vmnic0, type: physical}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0]}
  - {name: Management Network, type: portgroup, switch: vSwitch0, vlan: 100}
  - {name: vmk0, type: vmk, portgroup: Management Network, addresses: [10.1.1.51/24], services: [management]}
  - {name: VM Network, type: portgroup, switch: vSwitch0, vlan: 100}
`;

  it('duplicate-ip: a host IP a VM also reports, and one IP on two VMs', async () => {
    const context = await estate();
    await createWire(context, { name: 'dc1' });
    await createSubnet(context, { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100 });
    await declare(context, mgmtHost);
    await guest(context, 'app01', 1, 'esx01', [{ portgroup: 'VM Network', ips: ['10.1.1.51'] }]);
    await guest(context, 'app02', 2, 'esx01', [{ portgroup: 'VM Network', ips: ['10.1.1.60'] }]);
    await guest(context, 'app03', 3, 'esx01', [{ portgroup: 'VM Network', ips: ['10.1.1.60'] }]);
    assert.deepEqual(await findings(context, 'duplicate-ip'), [
      finding('duplicate-ip', null, ['10.1.1.51', 'VM app01 (00:50:56:aa:00:01)', 'host esx01/vmk0'], '10.1.1.51 (mgmt) is held by VM app01 (00:50:56:aa:00:01) and host esx01/vmk0'),
      finding('duplicate-ip', null, ['10.1.1.60', 'VM app02 (00:50:56:aa:00:02)', 'VM app03 (00:50:56:aa:00:03)'], '10.1.1.60 (mgmt) is held by VM app02 (00:50:56:aa:00:02) and VM app03 (00:50:56:aa:00:03)'),
    ]);
  });

  it('duplicate-ip: not for one holder seen several ways (declared and in the IPAM, owned and observed)', async () => {
    const context = await estate();
    await createWire(context, { name: 'dc1' });
    await createSubnet(context, { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100 });
    await declare(context, mgmtHost);
    await guest(context, 'app01', 1, 'esx01', [{ portgroup: 'VM Network', ips: ['10.1.1.61'] }]);
    await allocate(context, { subnet: 'mgmt', address: '10.1.1.61', owner: { kind: 'vnic', id: '4210a1b2-0c3d-4e5f-8a9b-000000000001/00:50:56:aa:00:01' } });
    assert.deepEqual(await findings(context, 'duplicate-ip'), []);
  });

  /** dc1 declared with mgmt (VLAN 100) and web (VLAN 50); vmk0s in mgmt put both hosts' vSwitch0 on it. */
  async function declaredWire(context: Context, esx02Portgroups: [string, number][]) {
    await createWire(context, { name: 'dc1' });
    await createSubnet(context, { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100 });
    await createSubnet(context, { name: 'web', wire: 'dc1', cidr: '10.50.0.0/24', vlan: 50 });
    const vmk0 = (octet: number) => [{ name: 'vmk0', portgroup: 'Management Network', ip: `10.1.1.${octet}/24`, services: ['management'] }];
    await reconcileVsphere(
      context,
      'vc1',
      snapshot([
        esxHost('esx01', 'host-10', { portgroups: [['Management Network', 100], ['VM Network', 50]], vmks: vmk0(51) }),
        esxHost('esx02', 'host-11', { portgroups: [['Management Network', 100], ...esx02Portgroups], vmks: vmk0(52) }),
      ]),
    );
  }

  it("subnet-vlan-without-portgroup: a port group's VLAN no subnet of its wire describes, and a host of the wire without a subnet's VLAN", async () => {
    const context = await estate();
    await declaredWire(context, [['Backup', 60]]);
    assert.deepEqual(await findings(context, 'subnet-vlan-without-portgroup'), [
      finding('subnet-vlan-without-portgroup', 'esx02', ['esx02', 'Backup', 'dc1'], "port group 'Backup' on esx02 carries VLAN 60 on wire dc1, but no subnet of that wire has VLAN 60"),
      finding('subnet-vlan-without-portgroup', 'esx02', ['esx02', 'web', 'dc1'], "subnet 'web' is VLAN 50 on wire dc1, but esx02 has no port group with that VLAN on it"),
    ]);
  });

  it('subnet-vlan-without-portgroup: not when every host of the wire carries every subnet VLAN and nothing more', async () => {
    const context = await estate();
    await declaredWire(context, [['VM Network', 50]]);
    assert.deepEqual(await findings(context, 'subnet-vlan-without-portgroup'), []);
  });

  it("teaming: IP hash with standby or beacon, beacon on two uplinks, an order naming a stranger; a port group is reported for what it sets", async () => {
    const context = await estate();
    await observe(context, 'esx01', 'esxi', [
      ...['vmnic0', 'vmnic1', 'vmnic2', 'vmnic3', 'vmnic4', 'vmnic5'].map((name) => ({ kind: 'physical', name })),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { loadBalancing: 'iphash', active: ['vmnic0'], standby: ['vmnic1'] } },
      { kind: 'vswitch', name: 'vSwitch1', uplinks: ['vmnic2', 'vmnic3'], teaming: { loadBalancing: 'iphash', failureDetection: { mode: 'beacon', intervalSeconds: 1, threshold: 3 } } },
      // Inherits vSwitch1's IP hash and beacon probing, and adds a standby of its own.
      { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch1', vlan: 50, teaming: { active: ['vmnic2'], standby: ['vmnic3'] } },
      { kind: 'vswitch', name: 'vSwitch2', uplinks: ['vmnic4', 'vmnic5'], teaming: { active: ['vmnic4', 'vmnic9'] } },
    ]);
    // Interfaces come by name: port group 'VM Network' sorts before the vSwitches.
    assert.deepEqual(await findings(context, 'teaming'), [
      finding('teaming', 'esx01', ['esx01', 'VM Network', 'vmnic3'], "esx01 port group 'VM Network' on vSwitch1 balances by IP hash with standby uplinks vmnic3"),
      finding('teaming', 'esx01', ['esx01', 'vSwitch0', 'vmnic1'], 'esx01 vSwitch0 balances by IP hash with standby uplinks vmnic1'),
      finding('teaming', 'esx01', ['esx01', 'vSwitch1'], 'esx01 vSwitch1 balances by IP hash with beacon probing'),
      finding('teaming', 'esx01', ['esx01', 'vSwitch1'], 'esx01 vSwitch1 uses beacon probing with 2 uplinks; it needs at least three to tell which one failed'),
      finding('teaming', 'esx01', ['esx01', 'vSwitch2', 'vmnic9'], 'esx01 vSwitch2 orders vmnic9, which is not an uplink of vSwitch2 (uplinks: vmnic4, vmnic5)'),
    ]);
    const fixes = (await audit(context, { rule: 'teaming' })).map((found) => found.fix);
    assert.deepEqual(fixes.slice(1, 3), ['esxcli network vswitch standard policy failover set --vswitch-name=vSwitch0 --active-uplinks=vmnic0,vmnic1', 'esxcli network vswitch standard policy failover set --vswitch-name=vSwitch1 --failure-detection=link']);
  });

  it('teaming: not for failover orders, IP hash over active uplinks, beacon on three uplinks, or beacon threshold 0 (off, seed 000)', async () => {
    const context = await estate();
    await declare(
      context,
      `host: esx01
platform: esxi
interfaces:
${[0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => `  - {name: vmnic${n}, type: physical}`).join('\n')}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0, vmnic1], teaming: {policy: explicit, active: [vmnic0], standby: [vmnic1]}}
  - {name: vSwitch1, type: vswitch, uplinks: [vmnic2, vmnic3], teaming: {policy: iphash, active: [vmnic2, vmnic3], failureDetection: {mode: link}}}
  - {name: vSwitch2, type: vswitch, uplinks: [vmnic4, vmnic5, vmnic6], teaming: {policy: srcid, failureDetection: {mode: beacon, intervalSeconds: 1, threshold: 2}}}
  - {name: vSwitch3, type: vswitch, uplinks: [vmnic7, vmnic8], teaming: {policy: iphash, failureDetection: {mode: beacon, intervalSeconds: 1, threshold: 0}}}
  - {name: Backup, type: portgroup, switch: vSwitch2, vlan: 60, teaming: {active: [vmnic4], standby: [vmnic5, vmnic6]}}
`,
    );
    assert.deepEqual(await findings(context, 'teaming'), []);
  });

  it('team-members: unlike NICs on a vSwitch and a bond, and more uplinks than ESXi allows', async () => {
    const context = await estate();
    const many = Array.from({ length: 33 }, (_, n) => `vmnic${n + 2}`);
    await observe(context, 'esx01', 'esxi', [
      { kind: 'physical', name: 'vmnic0', speedMbps: 10000, driver: 'ixgben' },
      { kind: 'physical', name: 'vmnic1', speedMbps: 1000, driver: 'igbn' },
      ...many.map((name) => ({ kind: 'physical', name, speedMbps: 10000, driver: 'ixgben' })),
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'] },
      { kind: 'vswitch', name: 'vSwitch1', uplinks: many },
    ]);
    await declare(
      context,
      `host: ovm1
platform: ovm
interfaces:
  - {name: eth0, type: physical, speedMbps: 1000, driver: e1000e}
  - {name: eth1, type: physical, speedMbps: 1000, driver: igb}
  - {name: bond0, type: bond, members: [eth0, eth1], mode: active-backup, miimon: 100}
`,
    );
    assert.deepEqual(await findings(context, 'team-members'), [
      finding('team-members', 'esx01', ['esx01', 'vSwitch0', 'vmnic0', 'vmnic1'], 'esx01 vSwitch0 teams unlike NICs: vmnic0 10000 Mb/s ixgben, vmnic1 1000 Mb/s igbn'),
      finding('team-members', 'esx01', ['esx01', 'vSwitch1'], 'esx01 vSwitch1 has 33 uplinks; esxi allows 32'),
      finding('team-members', 'ovm1', ['ovm1', 'bond0', 'eth0', 'eth1'], 'ovm1 bond0 teams unlike NICs: eth0 1000 Mb/s e1000e, eth1 1000 Mb/s igb'),
    ]);
  });

  it('team-members: not for NICs of one speed and driver', async () => {
    const context = await estate();
    await declare(context, readFileSync(join(import.meta.dirname, 'fixtures', 'seed-002-estate.yaml'), 'utf8'));
    assert.deepEqual(await findings(context, 'team-members'), []);
  });

  const bonds = (bond0: string, bond1: string) => `host: ovm1
platform: ovm
interfaces:
  - {name: eth0, type: physical}
  - {name: eth1, type: physical}
  - {name: eth2, type: physical}
  - {name: eth3, type: physical}
  - {name: bond0, type: bond, members: [eth0, eth1], ${bond0}}
  - {name: bond1, type: bond, members: [eth2, eth3], ${bond1}}
`;

  it('linux-bond: 802.3ad without miimon or a note of the switch side, and lacp_rate outside 802.3ad', async () => {
    const context = await estate();
    await declare(context, bonds('mode: 802.3ad', 'mode: active-backup, miimon: 100, lacpRate: fast'));
    assert.deepEqual(await findings(context, 'linux-bond'), [
      finding('linux-bond', 'ovm1', ['ovm1', 'bond0'], 'ovm1 bond0 is 802.3ad without miimon'),
      finding('linux-bond', 'ovm1', ['ovm1', 'bond0'], 'ovm1 bond0 is 802.3ad, which needs a port-channel on the switch, and no switch side is noted'),
      finding('linux-bond', 'ovm1', ['ovm1', 'bond1'], 'ovm1 bond1 sets lacp_rate fast in mode active-backup, where only 802.3ad uses it'),
    ]);
  });

  it("linux-bond: not for seed 001's 802.3ad bond with miimon and its switch side noted, nor active-backup", async () => {
    const context = await estate();
    await declare(context, bonds('mode: 802.3ad, miimon: 100, lacpRate: fast, switchNote: "sw1 Port-channel1: Gi1/0/1-2, LACP active"', 'mode: active-backup, miimon: 100'));
    assert.deepEqual(await findings(context, 'linux-bond'), []);
  });

  it("mtu-stack: a vmk above ESXi's 1500 default of its vSwitch, a VLAN above its bond, a bridge above its port", async () => {
    const context = await estate();
    await declare(
      context,
      `host: esx01
platform: esxi
interfaces:
  - {name: vmnic0, type: physical}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0]}
  - {name: Storage, type: portgroup, switch: vSwitch0, vlan: 30}
  - {name: vmk1, type: vmk, portgroup: Storage, addresses: [10.30.0.51/24], services: [nfs], mtu: 9000}
`,
    );
    await observe(context, 'kvm1', 'kvm', [
      { kind: 'physical', name: 'eth0' },
      { kind: 'physical', name: 'eth1' },
      { kind: 'physical', name: 'eth2', mtu: 1500 },
      { kind: 'bond', name: 'bond0', members: ['eth0', 'eth1'], mode: 'active-backup', mtu: 1500 },
      { kind: 'vlan', name: 'bond0.100', parent: 'bond0', vlan: 100, mtu: 9000 },
      { kind: 'bridge', name: 'br0', ports: ['eth2'], mtu: 9000 },
    ]);
    assert.deepEqual(await findings(context, 'mtu-stack'), [
      finding('mtu-stack', 'esx01', ['esx01', 'vmk1', 'vSwitch0'], 'esx01 vmk1 has MTU 9000, above the 1500 of vSwitch0 beneath it'),
      finding('mtu-stack', 'kvm1', ['kvm1', 'bond0.100', 'bond0'], 'kvm1 bond0.100 has MTU 9000, above the 1500 of bond0 beneath it'),
      finding('mtu-stack', 'kvm1', ['kvm1', 'br0', 'eth2'], 'kvm1 br0 has MTU 9000, above the 1500 of eth2 beneath it'),
    ]);
    const fixes = (await audit(context, { rule: 'mtu-stack' })).map((found) => found.fix);
    assert.deepEqual(fixes, [
      "esxcli network vswitch standard set --vswitch-name=vSwitch0 --mtu=9000\nGet-VMHost -Name 'esx01' | Get-VirtualSwitch -Name 'vSwitch0' | Set-VirtualSwitch -Mtu 9000 -Confirm:$false",
      'Declare mtu: 9000 on bond0 (renderers then set it along the whole stack): hostwire host render kvm1 --format FORMAT',
      'Declare mtu: 9000 on eth2 (renderers then set it along the whole stack): hostwire host render kvm1 --format FORMAT',
    ]);
  });

  it('mtu-stack: not when the switch is raised too, or a Linux parent is left unset for the renderers to raise', async () => {
    const context = await estate();
    await declare(
      context,
      `host: esx01
platform: esxi
interfaces:
  - {name: vmnic0, type: physical}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0], mtu: 9000}
  - {name: Storage, type: portgroup, switch: vSwitch0, vlan: 30}
  - {name: vmk1, type: vmk, portgroup: Storage, addresses: [10.30.0.51/24], services: [nfs], mtu: 9000}
---
host: kvm1
platform: kvm
interfaces:
  - {name: eth0, type: physical}
  - {name: eth1, type: physical}
  - {name: bond0, type: bond, members: [eth0, eth1], mode: active-backup, miimon: 100}
  - {name: bond0.100, type: vlan, parent: bond0, vlan: 100, mtu: 9000}
`,
    );
    assert.deepEqual(await findings(context, 'mtu-stack'), []);
  });

  const jumbo = (esx02Mtu: string) =>
    vmotionCluster({ esx01: {}, esx02: {} })
      .split('---\n')
      .map((document, index) => document.replace('{name: vSwitch1, type: vswitch, uplinks: [vmnic2, vmnic3]', `{name: vSwitch1, type: vswitch, uplinks: [vmnic2, vmnic3], mtu: ${index === 0 ? 9000 : esx02Mtu}`).replace(/(172\.16\.\d\.\d+\/24\], services: \[vmotion\])/g, `$1, mtu: ${index === 0 ? 9000 : esx02Mtu}`))
      .join('---\n');

  it('vmotion-jumbo-partial: vMotion vmks at 1500 where the cluster uses 9000, fixed switch first', async () => {
    const context = await estate();
    await declare(context, jumbo('1500'));
    assert.deepEqual(await findings(context, 'vmotion-jumbo-partial'), [
      finding('vmotion-jumbo-partial', 'esx02', ['esx02', 'vmk1'], 'esx02 vmk1 has MTU 1500 while other vMotion vmks of cluster c1 use 9000'),
      finding('vmotion-jumbo-partial', 'esx02', ['esx02', 'vmk2'], 'esx02 vmk2 has MTU 1500 while other vMotion vmks of cluster c1 use 9000'),
    ]);
    assert.equal((await audit(context, { rule: 'vmotion-jumbo-partial' }))[0]!.fix, 'esxcli network vswitch standard set --vswitch-name=vSwitch1 --mtu=9000\nesxcli network ip interface set --interface-name=vmk1 --mtu=9000');
  });

  it('vmotion-jumbo-partial: not when every host uses jumbo frames', async () => {
    const context = await estate();
    await declare(context, jumbo('9000'));
    assert.deepEqual(await findings(context, 'vmotion-jumbo-partial'), []);
  });

  const isolation = (host: string, managementVlan: number, vmVlan: number) => `host: ${host}
platform: esxi
interfaces:
  - {name: vmnic0, type: physical}
  - {name: vmnic1, type: physical}
  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0, vmnic1]}
  - {name: Management Network, type: portgroup, switch: vSwitch0, vlan: ${managementVlan}}
  - {name: vmk0, type: vmk, portgroup: Management Network, services: [management]}
  - {name: VM Network, type: portgroup, switch: vSwitch0, vlan: ${vmVlan}}
`;

  it("management-isolation: management sharing VLAN and uplinks with VMs (seed 000), and untagged beside tagged VLANs (seed 003)", async () => {
    const context = await estate();
    await declare(context, [isolation('esx01', 0, 0), isolation('esx02', 0, 50)].join('---\n'));
    await guest(context, 'app01', 1, 'esx01', [{ portgroup: 'VM Network' }]);
    assert.deepEqual(await findings(context, 'management-isolation'), [
      finding('management-isolation', 'esx01', ['esx01', 'vmk0', 'Management Network', 'VM Network'], "esx01 management vmk0 on 'Management Network' shares VLAN 0 and uplinks vmnic0, vmnic1 with VM port group 'VM Network'"),
      finding('management-isolation', 'esx02', ['esx02', 'vmk0', 'Management Network'], "esx02 management vmk0 is untagged on 'Management Network' while vSwitch0 trunks tagged VLANs: it depends on the switch port's native VLAN"),
    ]);
  });

  it('management-isolation: not with management on its own tagged VLAN, VMs beside it', async () => {
    const context = await estate();
    await declare(context, isolation('esx01', 100, 50));
    await guest(context, 'app01', 1, 'esx01', [{ portgroup: 'VM Network' }]);
    assert.deepEqual(await findings(context, 'management-isolation'), []);
  });

  /** Seed 000's 32-port vSwitch with two uplinks, vmk0 and `vnics` VM NICs. */
  async function portsEstate(vnics: number): Promise<Context> {
    const context = await estate();
    await declare(context, isolation('esx01', 100, 50).replace('uplinks: [vmnic0, vmnic1]', 'uplinks: [vmnic0, vmnic1], ports: 32'));
    for (let n = 1; n <= vnics; n++) await guest(context, `vm${n}`, n, 'esx01', [{ portgroup: 'VM Network' }]);
    return context;
  }

  it('vswitch-ports-low: 3 of 32 ports free is under 10%, and the fix leaves 20% free', async () => {
    const context = await portsEstate(26);
    assert.deepEqual(await findings(context, 'vswitch-ports-low'), [finding('vswitch-ports-low', 'esx01', ['esx01', 'vSwitch0'], 'esx01 vSwitch0 has 3 of 32 ports free (29 in use)')]);
    assert.equal((await audit(context, { rule: 'vswitch-ports-low' }))[0]!.fix, 'esxcli network vswitch standard set --vswitch-name=vSwitch0 --ports=64   # takes effect after a reboot on older ESX');
  });

  it('vswitch-ports-low: not with 4 of 32 free', async () => {
    const context = await portsEstate(25);
    assert.deepEqual(await findings(context, 'vswitch-ports-low'), []);
  });

  /** A sync gives esx01's vSwitch0 a wire of its own; then the admin declares web's subnet on dc1. */
  async function autoWireEstate(): Promise<Context> {
    const context = await estate();
    const esx01 = esxHost('esx01', 'host-10', { portgroups: [['Management Network', 100], ['VM Network', 50]], vmks: [{ name: 'vmk0', portgroup: 'Management Network', ip: '10.1.1.51/24', services: ['management'] }] });
    await reconcileVsphere(context, 'vc1', snapshot([esx01], [vm('web01', 1, 'host-10', { mac: '00:50:56:aa:00:01', portgroup: 'VM Network', ips: ['10.50.0.10'] })]));
    await createWire(context, { name: 'dc1' });
    await createSubnet(context, { name: 'web', wire: 'dc1', cidr: '10.50.0.0/24', vlan: 50 });
    return context;
  }

  it('wires-mergeable: an auto wire whose VMs hold IPs of a same-VLAN subnet on another wire', async () => {
    const context = await autoWireEstate();
    assert.deepEqual(await findings(context, 'wires-mergeable'), [
      finding('wires-mergeable', null, ['vc1/esx01/vSwitch0', 'dc1'], "wire vc1/esx01/vSwitch0 looks like wire dc1: VM web01 10.50.0.10 on esx01 port group 'VM Network' (VLAN 50) is in subnet 'web' of wire 'dc1'"),
    ]);
    assert.equal((await audit(context, { rule: 'wires-mergeable' }))[0]!.fix, 'hostwire wire merge vc1/esx01/vSwitch0 --into dc1');
  });

  it('wires-mergeable: not once merged', async () => {
    const context = await autoWireEstate();
    await mergeWires(context, ['vc1/esx01/vSwitch0'], 'dc1');
    assert.deepEqual(await findings(context, 'wires-mergeable'), []);
  });

  /** The demo's ESXi layout (vSwitch0 active vmnic0, standby vmnic1; vMotion-N on vSwitch1 with one active, one unused) and seed 001's bond, with links as a sync or facts saw them. */
  async function linkEstate(esxLinks: Record<string, 'up' | 'down'>, bondLinks: Record<string, 'up' | 'down'>): Promise<Context> {
    const context = await estate();
    await upsertHost(context, { name: 'esx01', platform: 'esxi', cluster: 'prod' });
    await setHostInterfaces(context, 'esx01', esxInterfaces(51), { observation: { format: 'vcenter', source: 'vc1', linkState: esxLinks } });
    await upsertHost(context, { name: 'ovm1', platform: 'ovm' });
    await setHostInterfaces(context, 'ovm1', OVM_INTERFACES, { observation: { format: 'linux-facts', source: 'facts', linkState: bondLinks } });
    return context;
  }
  const linkFindings = async (context: Context) => [...(await findings(context, 'no-live-uplink')), ...(await findings(context, 'uplink-redundancy-lost'))];

  it('no-live-uplink and uplink-redundancy-lost: a standby gone, a port group whose only active uplink died beside a live unused one, a bond down to one member or none', async () => {
    const context = await linkEstate({ vmnic0: 'up', vmnic1: 'down', vmnic2: 'down', vmnic3: 'up' }, { eth0: 'up', eth1: 'up', 'bond0/eth1': 'down' });
    assert.deepEqual(await linkFindings(context), [
      finding('no-live-uplink', 'esx01', ['esx01', 'vMotion-1', 'vmnic2'], "esx01 port group 'vMotion-1' on vSwitch1 has no live uplink: vmnic2 is down (vmnic3 is up but unused)"),
      finding('no-live-uplink', 'esx01', ['esx01', 'vMotion-3', 'vmnic2'], "esx01 port group 'vMotion-3' on vSwitch1 has no live uplink: vmnic2 is down (vmnic3 is up but unused)"),
      finding('uplink-redundancy-lost', 'esx01', ['esx01', 'vSwitch0', 'vmnic1'], 'esx01 vSwitch0 runs on vmnic0 alone: vmnic1 is down'),
      finding('uplink-redundancy-lost', 'esx01', ['esx01', 'vSwitch1', 'vmnic2'], 'esx01 vSwitch1 runs on vmnic3 alone: vmnic2 is down'),
      finding('uplink-redundancy-lost', 'ovm1', ['ovm1', 'bond0', 'eth1'], 'ovm1 bond0 runs on eth0 alone: eth1 is down'),
    ]);
    const fixes = await audit(context, { rule: 'no-live-uplink' });
    assert.equal(fixes[0]!.fix, "esxcli network nic get -n vmnic2   # ESXi's view of the link: check the cable and the switch port\nesxcli network nic up -n vmnic2   # if it was set down\nesxcli network vswitch standard portgroup policy failover set --portgroup-name=vMotion-1 --active-uplinks=vmnic3   # or carry it on the live unused uplink meanwhile");
    const bondDead = await linkEstate({}, { eth0: 'down', eth1: 'down' });
    assert.deepEqual(await linkFindings(bondDead), [finding('no-live-uplink', 'ovm1', ['ovm1', 'bond0', 'eth0', 'eth1'], 'ovm1 bond0 has no live uplink: eth0 and eth1 are down')]);
    assert.match((await audit(bondDead, { rule: 'no-live-uplink' }))[0]!.fix, /^ip -d link show eth0; cat \/proc\/net\/bonding\/bond0 .*\n.*\nip -d link show eth1; .*\n.*\nhostwire host import ovm1 FACTS --format linux-facts/);
  });

  it('no-live-uplink and uplink-redundancy-lost: not with every link up, links nobody observed, or only an unused uplink down', async () => {
    assert.deepEqual(await linkFindings(await linkEstate({ vmnic0: 'up', vmnic1: 'up', vmnic2: 'up', vmnic3: 'up' }, { eth0: 'up', eth1: 'up', 'bond0/eth0': 'up', 'bond0/eth1': 'up' })), []);
    assert.deepEqual(await linkFindings(await linkEstate({}, {})), []);
    const context = await estate();
    await upsertHost(context, { name: 'esx02', platform: 'esxi' });
    const nics = ['vmnic0', 'vmnic1'].map((name) => ({ kind: 'physical', name }));
    const layout = [...nics, { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], teaming: { active: ['vmnic0'], unused: ['vmnic1'] } }, { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 }];
    await setHostInterfaces(context, 'esx02', layout, { observation: { format: 'vcenter', source: 'vc1', linkState: { vmnic0: 'up', vmnic1: 'down' } } });
    assert.deepEqual(await linkFindings(context), []);
  });

  it('has a triggering and a clean test above for every rule', () => {
    assert.deepEqual(RULES.map((rule) => rule.id).sort(), [
      'duplicate-ip', 'linux-bond', 'management-isolation', 'mtu-stack', 'no-live-uplink', 'portgroup-vlan-mismatch', 'subnet-vlan-without-portgroup', 'team-members', 'teaming',
      'uplink-redundancy-lost', 'vm-ip-without-subnet', 'vmotion-iscsi-teaming', 'vmotion-jumbo-partial', 'vmotion-not-enabled', 'vmotion-subnets-differ', 'vswitch-ports-low', 'wires-mergeable',
    ]);
  });
});

/** The vMotion vmks a live look at seed 002's cluster finds disabled. */
const DISABLED: Record<string, string[]> = { '192.168.100.109': ['vmk2'], '192.168.100.113': ['vmk4', 'vmk6'], '192.168.100.117': ['vmk1'] };
const VMOTION_SUBNET: Record<string, string> = { vmk1: 'vmotion-1', vmk2: 'vmotion-2', vmk3: 'vmotion-3', vmk4: 'vmotion-4', vmk6: 'vmotion-0' };
const PORTGROUP: Record<string, string> = { vmk1: 'vMotion-admin', vmk2: 'vMotion-nas', vmk4: 'vMotion-A', vmk6: 'vMotion-B' };

describe('seed 002: twelve hosts, five vMotion subnets, a few vmks with vMotion disabled', () => {
  let context: Context;
  let db: string;

  /** The estate as declared (test/fixtures/seed-002-estate.yaml), then as the hosts really are. */
  async function seedEstate(): Promise<Context> {
    const seeded = await estate();
    db = join(dir, `audit-${stores.length - 1}.db`);
    await createWire(seeded, { name: 'admin' });
    await createSubnet(seeded, { name: 'mgmt', wire: 'admin', cidr: '192.168.100.0/24', vlan: 100 });
    await createWire(seeded, { name: 'nas' });
    await createSubnet(seeded, { name: 'nfs', wire: 'nas', cidr: '10.20.0.0/24', vlan: 121 });
    // Each vMotion /24 is its own island: the edge switches do not interconnect (seed 002).
    for (let n = 0; n <= 4; n++) {
      await createWire(seeded, { name: `vmotion-island-${n}`, mtu: 1500 });
      await createSubnet(seeded, { name: `vmotion-${n}`, wire: `vmotion-island-${n}`, cidr: `172.16.${n}.0/24`, vlan: 150 });
    }
    await declare(seeded, readFileSync(join(import.meta.dirname, 'fixtures', 'seed-002-estate.yaml'), 'utf8'));
    for (const [host, vmkNames] of Object.entries(DISABLED)) {
      const { interfaces } = await showHost(seeded, host);
      await setHostInterfaces(seeded, host, interfaces.map((spec) => (spec.kind === 'vmk' && vmkNames.includes(spec.name) ? { ...spec, services: [] } : spec)), { observed: true });
    }
    return seeded;
  }

  const expected = Object.entries(DISABLED).flatMap(([host, vmkNames]) =>
    vmkNames.map((vmk) => ({
      rule: 'vmotion-not-enabled',
      severity: 'error',
      title: 'A vmk is not enabled for vMotion where its peers on other hosts are',
      host,
      objects: [host, vmk],
      message: `${host} ${vmk} (${PORTGROUP[vmk]}) is not enabled for vMotion, while subnet ${VMOTION_SUBNET[vmk]} carries vMotion on other hosts of cluster prod`,
      fix: [
        `esxcli network ip interface tag add --interface-name=${vmk} --tagname=VMotion`,
        `Get-VMHost -Name '${host}' | Get-VMHostNetworkAdapter -Name '${vmk}' | Set-VMHostNetworkAdapter -VMotionEnabled $true -Confirm:$false`,
        `hostwire audit fix vmotion-not-enabled --host ${host} --apply`,
      ].join('\n'),
    })),
  );

  it('finds exactly the disabled vmks, and nothing else', async () => {
    context = await seedEstate();
    const found = await audit(context);
    assert.deepEqual(
      found.map(({ rule, severity, title, host, objects, message, fix }) => ({ rule, severity, title, host, objects, message, fix })),
      expected,
    );
  });

  it('finds nothing once the vmks have vMotion again', async () => {
    const healthy = await estate();
    await declare(healthy, readFileSync(join(import.meta.dirname, 'fixtures', 'seed-002-estate.yaml'), 'utf8'));
    assert.deepEqual(await audit(healthy), []);
  });

  it('prints the same findings through `hostwire audit --json`, with the JSON contract fields', async () => {
    const result = await hostwire(db, 'audit', '--json');
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      printed.map(({ rule, severity, title, objects, fix }) => ({ rule, severity, title, objects, fix })),
      expected.map(({ rule, severity, title, objects, fix }) => ({ rule, severity, title, objects, fix })),
    );
    for (const entry of printed) assert.deepEqual(Object.keys(entry).sort(), ['fix', 'host', 'message', 'objects', 'rule', 'severity', 'title', 'why']);
    const oneHost = JSON.parse((await hostwire(db, 'audit', '--host', '192.168.100.113', '--severity', 'error', '--json')).stdout) as { objects: string[] }[];
    assert.deepEqual(oneHost.map((entry) => entry.objects), [['192.168.100.113', 'vmk4'], ['192.168.100.113', 'vmk6']]);
  });

  it('plans the fix of one host through `hostwire audit fix`, and refuses an unknown rule or a host without findings', async () => {
    assert.deepEqual(await planFix(context, 'vmotion-not-enabled', '192.168.100.113'), { rule: 'vmotion-not-enabled', host: '192.168.100.113', findings: (await audit(context)).filter((found) => found.host === '192.168.100.113') });
    const plan = await hostwire(db, 'audit', 'fix', 'vmotion-not-enabled', '--host', '192.168.100.113');
    assert.equal(plan.code, 0, plan.stderr);
    assert.equal(
      plan.stdout,
      `plan for vmotion-not-enabled on 192.168.100.113:
# 192.168.100.113 vmk4 (vMotion-A) is not enabled for vMotion, while subnet vmotion-4 carries vMotion on other hosts of cluster prod
${expected[1]!.fix}
# 192.168.100.113 vmk6 (vMotion-B) is not enabled for vMotion, while subnet vmotion-0 carries vMotion on other hosts of cluster prod
${expected[2]!.fix}
`,
    );
    const unknown = await hostwire(db, 'audit', 'fix', 'vmotion-disabled', '--host', '192.168.100.113');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^error: rule: 'vmotion-disabled' is not a rule; use one of: vmotion-not-enabled, /);
    const clean = await hostwire(db, 'audit', 'fix', 'vmotion-not-enabled', '--host', '192.168.100.107');
    assert.equal(clean.code, 4);
    assert.equal(clean.stderr, "error: host '192.168.100.107' has no vmotion-not-enabled findings: there is nothing to fix (run hostwire audit --host 192.168.100.107 to see its findings)\n");
    const noHost = await hostwire(db, 'audit', 'fix', 'vmotion-not-enabled', '--host', 'esx99');
    assert.equal(noHost.code, 4);
    assert.equal(noHost.stderr, "error: host 'esx99' does not exist\n");
    // Without a vCenter behind the declared hosts, --apply says what to do instead.
    const apply = await hostwire(db, 'audit', 'fix', 'vmotion-not-enabled', '--host', '192.168.100.113', '--apply');
    assert.equal(apply.code, 2);
    assert.equal(apply.stderr, "error: account: host '192.168.100.113' was not synced from a vSphere account: pass --account NAME, or run the plan's lines on the host\n");
  });

  it('serves the findings at GET /api/v1/findings to viewers, filtered like the CLI', async () => {
    const token = (await createToken(context, { role: 'viewer', name: 'auditor' })).token;
    const app = createApp({ store: context.store, observability: createObservability(() => undefined) });
    const get = async (query: string, auth = true) => {
      const response = await app.request(`/api/v1/findings${query}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
      return { status: response.status, body: (await response.json()) as { items?: unknown[]; detail?: string } };
    };
    assert.deepEqual(await get(''), { status: 200, body: { items: await audit(context), nextCursor: null } });
    assert.deepEqual(await get('?host=192.168.100.117&rule=vmotion-not-enabled&severity=error'), { status: 200, body: { items: await audit(context, { host: '192.168.100.117' }), nextCursor: null } });
    // Pages of one finding each walk the same list in the same order.
    const paged: unknown[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = (await get(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body as { items: unknown[]; nextCursor: string | null };
      paged.push(...page.items);
      cursor = page.nextCursor;
    }
    assert.deepEqual(paged, await audit(context));
    assert.deepEqual((await get('?host=192.168.100.117')).body.items!.length, 1);
    assert.deepEqual(await get('?severity=warning'), { status: 200, body: { items: [], nextCursor: null } });
    const badSeverity = await get('?severity=fatal');
    assert.equal(badSeverity.status, 400);
    assert.equal(badSeverity.body.detail, "severity: 'fatal' is not a severity; use one of: error, warning, info");
    const noHost = await get('?host=esx99');
    assert.equal(noHost.status, 404);
    assert.equal(noHost.body.detail, "host 'esx99' does not exist");
    assert.equal((await get('', false)).status, 401);
  });
});
