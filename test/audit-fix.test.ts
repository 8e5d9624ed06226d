/**
 * `hostwire audit fix vmotion-not-enabled --apply`: SelectVnicForNicType on the host's virtual NIC
 * manager, checked against recorded SOAP exchanges (the exact requests: method, _this, nicType,
 * device; a success and a fault reported per vmk; a vCenter that is not the host's refused before
 * anything changes), what it records, and, against the vCenter simulator's seed scenario, the plan
 * after a sync, the fix applied, and a re-sync that shows it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reconcileVsphere } from '../src/reconcile/vsphere.ts';
import { runSync } from '../src/reconcile/sync.ts';
import { addAccount } from '../src/services/accounts.ts';
import { applyFix, audit, planFix } from '../src/services/audit.ts';
import { listChanges } from '../src/services/changes.ts';
import { showHost } from '../src/services/hosts.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { fault, login, logout, selectVnicForNicType, serviceContent, startRecordedVsphere, virtualNicManagerProperty, type RecordedVsphere } from './support/recorded-vsphere.ts';
import { hostwire } from './support/cli.ts';
import { esxHost, INSTANCE_UUID, snapshot } from './support/vsphere-snapshot.ts';
import { startVcsim, type Scenario } from './vcsim/harness.ts';

process.env.HOSTWIRE_SECRET_KEY = 'audit-fix-test-key';
const dir = mkdtempSync(join(tmpdir(), 'hostwire-audit-fix-'));
const stores: Store[] = [];
const servers: RecordedVsphere[] = [];
after(async () => {
  for (const store of stores) await store.close();
  for (const server of servers) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const USER = 'administrator@vsphere.local';
const vmotionVmks = (octet: number, services: string[]) => [
  { name: 'vmk0', portgroup: 'Management Network', ip: `10.1.1.${octet}/24`, services: ['management'] },
  { name: 'vmk1', portgroup: 'vMotion-1', ip: `172.16.1.${octet}/24`, services },
  { name: 'vmk2', portgroup: 'vMotion-2', ip: `172.16.2.${octet}/24`, services },
];
/** esx01 with vMotion on vmk1 and vmk2; esx02 (host-11) with it off on both. */
const cluster = (esx02Vmotion: string[][]) =>
  snapshot(
    [esxHost('esx01', 'host-10', { portgroups: [['Management Network', 100], ['vMotion-1', 0], ['vMotion-2', 0]], vmks: vmotionVmks(51, ['vmotion']) }), esxHost('esx02', 'host-11', { portgroups: [['Management Network', 100], ['vMotion-1', 0], ['vMotion-2', 0]], vmks: vmotionVmks(52, []) })].map((host) =>
      host.name === 'esx02' ? { ...host, vmks: host.vmks.map((vmk, index) => (index === 0 ? vmk : { ...vmk, services: esx02Vmotion[index - 1]! })) } : host,
    ),
  );

/** A store synced from account vc1, whose URL is a replay of `exchanges`. */
async function syncedEstate(exchanges: Parameters<typeof startRecordedVsphere>[0]) {
  const vc = await startRecordedVsphere(exchanges);
  servers.push(vc);
  const db = join(dir, `fix-${stores.length}.db`);
  const store = await openStore(db);
  stores.push(store);
  const context = makeContext(store, 'test');
  await addAccount(context, { kind: 'vsphere', name: 'vc1', url: vc.url, username: USER, password: 'VMware1!', insecure: true });
  await reconcileVsphere(makeContext(store, 'sync:vc1'), 'vc1', cluster([[], []]));
  return { vc, db, context };
}

describe('audit fix --apply against recorded SOAP exchanges', () => {
  it('selects each vmk for vMotion on the host\'s virtual NIC manager, reports each result, and records the ones vCenter accepted', async () => {
    const { vc, db, context } = await syncedEstate([
      serviceContent(INSTANCE_UUID),
      login(USER),
      virtualNicManagerProperty('host-11', 'hostVirtualNicManager-11'),
      selectVnicForNicType(),
      fault('SelectVnicForNicType', 'HostConfigFault', 'A specified parameter was not correct: vmk2 is on the vMotion TCP/IP stack'),
      logout(),
    ]);
    const result = await hostwire(db, 'audit', 'fix', 'vmotion-not-enabled', '--host', 'esx02', '--apply', '--json');
    // One vmk refused: the command fails, having fixed and recorded the other.
    assert.equal(result.code, 1, result.stderr);
    const applied = JSON.parse(result.stdout) as { account: string; results: unknown[]; findings: { objects: string[] }[] };
    assert.equal(applied.account, 'vc1');
    assert.deepEqual(applied.findings.map((finding) => finding.objects), [['esx02', 'vmk1'], ['esx02', 'vmk2']]);
    assert.deepEqual(applied.results, [
      { host: 'esx02', vmk: 'vmk1', ok: true, message: 'selected for vMotion' },
      { host: 'esx02', vmk: 'vmk2', ok: false, message: 'A specified parameter was not correct: vmk2 is on the vMotion TCP/IP stack' },
    ]);

    assert.deepEqual(
      vc.requests.map((request) => [request.method, request.this.type, request.this.value]),
      [
        ['RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'],
        ['Login', 'SessionManager', 'SessionManager'],
        ['RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector'],
        ['SelectVnicForNicType', 'HostVirtualNicManager', 'hostVirtualNicManager-11'],
        ['SelectVnicForNicType', 'HostVirtualNicManager', 'hostVirtualNicManager-11'],
        ['Logout', 'SessionManager', 'SessionManager'],
      ],
    );
    assert.deepEqual(vc.requests[1]!.params, { userName: USER, password: 'VMware1!' });
    assert.deepEqual(vc.requests[2]!.params.specSet, {
      propSet: { type: 'HostSystem', all: 'false', pathSet: 'configManager.virtualNicManager' },
      objectSet: { obj: { '#text': 'host-11', '@type': 'HostSystem' }, skip: 'false' },
    });
    assert.deepEqual(vc.requests[3]!.params, { nicType: 'vmotion', device: 'vmk1' });
    assert.deepEqual(vc.requests[4]!.params, { nicType: 'vmotion', device: 'vmk2' });
    assert.equal(vc.remaining(), 0);

    const vmks = (await showHost(context, 'esx02')).interfaces.filter((spec) => spec.kind === 'vmk');
    assert.deepEqual(vmks.map((spec) => [spec.name, spec.kind === 'vmk' ? spec.services : null]), [['vmk0', ['management']], ['vmk1', ['vmotion']], ['vmk2', []]]);
    assert.deepEqual((await audit(context, { rule: 'vmotion-not-enabled' })).map((finding) => finding.objects), [['esx02', 'vmk2']]);
    const byCli = (await listChanges(context, { objectKind: 'host', objectName: 'esx02' })).filter((change) => change.actor === 'cli');
    assert.deepEqual(byCli.map((change) => change.action), ['update']);
    // The next sync sees vCenter as the fix left it: the host's interfaces are already recorded so.
    const resync = await reconcileVsphere(makeContext(context.store, 'sync:vc1'), 'vc1', cluster([['vmotion'], []]));
    assert.equal(resync.counts.host, undefined);
  });

  it('refuses a vCenter that is not the one the host was synced from, before changing anything', async () => {
    const { vc, db, context } = await syncedEstate([serviceContent('0f0e0d0c-0000-4000-8000-0000000000ff'), login(USER), logout()]);
    const before = await listChanges(context);
    const result = await hostwire(db, 'audit', 'fix', 'vmotion-not-enabled', '--host', 'esx02', '--apply');
    assert.equal(result.code, 3);
    assert.equal(result.stderr, `error: account 'vc1' now answers as vCenter 0f0e0d0c-0000-4000-8000-0000000000ff, but host 'esx02' was synced from vCenter ${INSTANCE_UUID}; nothing was changed\n`);
    assert.deepEqual(vc.requests.map((request) => request.method), ['RetrieveServiceContent', 'Login', 'Logout']);
    assert.deepEqual(await listChanges(context), before);
  });

  it('applies only rules it can carry out, and only through an account that exists', async () => {
    const { vc, context } = await syncedEstate([]);
    await assert.rejects(applyFix(context, 'vmotion-subnets-differ', 'esx02'), /has no vmotion-subnets-differ findings/);
    await assert.rejects(applyFix(context, 'vmotion-not-enabled', 'esx02', { account: 'vc9' }), { message: "account 'vc9' does not exist" });
    assert.deepEqual(vc.requests, []);
  });
});

describe('audit fix against the vCenter simulator (seed scenario)', () => {
  const scenario = JSON.parse(readFileSync(join(import.meta.dirname, 'vcsim', 'scenarios', 'seeds.json'), 'utf8')) as Scenario;
  let sim: Awaited<ReturnType<typeof startVcsim>>;
  let context: Context;

  before(async () => {
    sim = await startVcsim(scenario, { tls: true });
    const store = await openStore(join(dir, 'vcsim.db'));
    stores.push(store);
    context = makeContext(store, 'test');
    await addAccount(context, { kind: 'vsphere', name: 'vc1', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem });
    await runSync(context, 'vc1');
  });
  after(() => sim.stop());

  it('plans the fix of the vmk the scenario leaves without vMotion', async () => {
    const plan = await planFix(context, 'vmotion-not-enabled', 'esx02');
    assert.deepEqual(
      plan.findings.map(({ host, objects, message, fix }) => ({ host, objects, message, fix })),
      [
        {
          host: 'esx02',
          objects: ['esx02', 'vmk2'],
          message: 'esx02 vmk2 (vMotion-2) is not enabled for vMotion, while subnet auto-172.16.2.0-24 carries vMotion on other hosts of cluster prod',
          fix: "esxcli network ip interface tag add --interface-name=vmk2 --tagname=VMotion\nGet-VMHost -Name 'esx02' | Get-VMHostNetworkAdapter -Name 'vmk2' | Set-VMHostNetworkAdapter -VMotionEnabled $true -Confirm:$false\nhostwire audit fix vmotion-not-enabled --host esx02 --apply",
        },
      ],
    );
  });

  it('applies it in the simulator, whose next sync shows vmk2 with vMotion', async () => {
    const applied = await applyFix(context, 'vmotion-not-enabled', 'esx02');
    assert.deepEqual(applied.results, [{ host: 'esx02', vmk: 'vmk2', ok: true, message: 'selected for vMotion' }]);
    const resync = await runSync(context, 'vc1');
    assert.deepEqual(resync.errors, []);
    assert.equal(resync.counts.host, undefined);
    const vmk2 = (await showHost(context, 'esx02')).interfaces.find((spec) => spec.name === 'vmk2');
    assert.deepEqual(vmk2?.kind === 'vmk' && vmk2.services, ['vmotion']);
    assert.deepEqual(await audit(context, { rule: 'vmotion-not-enabled' }), []);
  });
});
