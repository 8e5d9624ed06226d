/**
 * `npm run bench:audit`: the audit of a 1,000-host estate must stay interactive. A generated estate
 * (default 25 clusters x 40 ESXi hosts, each with 4 NICs, 2 vSwitches, 6 port groups, 4 vmks and
 * 10 VMs: 10,000 VMs) is written to a SQLite store in a temporary folder through the services, with
 * seed 002's fault planted on every 50th host (vmk3 without vMotion). In this one process, side by
 * side, BENCH_AUDIT_ROUNDS rounds of:
 *
 *   load estate   loadEstate alone: the queries and JSON decoding every audit pays (the baseline)
 *   full audit    loadEstate + every rule
 *
 * Figures are medians; "x load" is the full audit over loading alone, i.e. what the rules add. The
 * findings are checked: exactly the planted vmks, each once, for rule vmotion-not-enabled.
 *
 * Environment: BENCH_AUDIT_CLUSTERS (default 25), BENCH_AUDIT_HOSTS_PER_CLUSTER (default 40),
 * BENCH_AUDIT_ROUNDS (default 5).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadEstate } from '../src/audit/estate.ts';
import { runAudit } from '../src/audit/index.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { setHostInterfaces, upsertHost } from '../src/services/hosts.ts';
import { upsertVm } from '../src/services/vms.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';

const CLUSTERS = Number(process.env.BENCH_AUDIT_CLUSTERS ?? 25);
const PER_CLUSTER = Number(process.env.BENCH_AUDIT_HOSTS_PER_CLUSTER ?? 40);
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 5);
for (const [name, value] of [['BENCH_AUDIT_CLUSTERS', CLUSTERS], ['BENCH_AUDIT_HOSTS_PER_CLUSTER', PER_CLUSTER], ['BENCH_AUDIT_ROUNDS', ROUNDS]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not '${process.env[name]}'`);
}
const HOSTS = CLUSTERS * PER_CLUSTER;
const VMS_PER_HOST = 10;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const log = (line: string) => process.stderr.write(`[audit] ${line}\n`);

/** One ESXi host of seed 002's layout: management on vSwitch0, three vMotion vmks on vSwitch1, one active + one unused uplink each. */
function hostInterfaces(index: number, vmotionOnVmk3: boolean) {
  const octet = (n: number) => `${(n >> 8) & 255}.${n & 255}`;
  return [
    ...[0, 1, 2, 3].map((nic) => ({ kind: 'physical', name: `vmnic${nic}`, mac: `00:50:56:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}:0${nic}`, speedMbps: 10000, driver: 'ixgben' })),
    { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0', 'vmnic1'], ports: 128, teaming: { loadBalancing: 'srcid', active: ['vmnic0'], standby: ['vmnic1'] } },
    { kind: 'portgroup', name: 'Management Network', switch: 'vSwitch0', vlan: 100 },
    { kind: 'portgroup', name: 'VM Network', switch: 'vSwitch0', vlan: 50 },
    { kind: 'portgroup', name: 'VM Backend', switch: 'vSwitch0', vlan: 51 },
    { kind: 'vmk', name: 'vmk0', attachment: 'Management Network', addresses: [`10.0.${octet(index)}/16`], services: ['management'] },
    { kind: 'vswitch', name: 'vSwitch1', uplinks: ['vmnic2', 'vmnic3'], mtu: 9000 },
    ...[1, 2, 3].map((island) => ({ kind: 'portgroup', name: `vMotion-${island}`, switch: 'vSwitch1', vlan: 0, teaming: { active: [island === 2 ? 'vmnic3' : 'vmnic2'], unused: [island === 2 ? 'vmnic2' : 'vmnic3'] } })),
    ...[1, 2, 3].map((island) => ({ kind: 'vmk', name: `vmk${island}`, attachment: `vMotion-${island}`, mtu: 9000, addresses: [`172.${16 + island}.${octet(index)}/16`], services: island === 3 && !vmotionOnVmk3 ? [] : ['vmotion'] })),
  ];
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-audit-bench-'));
  const store = await openStore(join(dir, 'audit.db'));
  const context = makeContext(store, 'bench');
  try {
    const built = performance.now();
    await createWire(context, { name: 'dc' });
    await createSubnet(context, { name: 'mgmt', wire: 'dc', cidr: '10.0.0.0/16', vlan: 100 });
    for (const island of [1, 2, 3]) await createSubnet(context, { name: `vmotion-${island}`, wire: 'dc', cidr: `172.${16 + island}.0.0/16` });
    const planted: string[] = [];
    for (let index = 1; index <= HOSTS; index++) {
      const name = `esx${String(index).padStart(4, '0')}`;
      const faulty = index % 50 === 0;
      if (faulty) planted.push(`${name}/vmk3`);
      await upsertHost(context, { name, platform: 'esxi', cluster: `cl${Math.ceil(index / PER_CLUSTER)}` });
      await setHostInterfaces(context, name, hostInterfaces(index, !faulty));
      for (let vm = 0; vm < VMS_PER_HOST; vm++) {
        const id = index * VMS_PER_HOST + vm;
        await upsertVm(context, { uuid: `4210a1b2-0c3d-4e5f-8a9b-${id.toString(16).padStart(12, '0')}`, name: `vm${id}`, host: name, powerState: 'poweredOn', vnics: [{ mac: `00:50:57:${((id >> 16) & 255).toString(16).padStart(2, '0')}:${((id >> 8) & 255).toString(16).padStart(2, '0')}:${(id & 255).toString(16).padStart(2, '0')}`, portgroup: vm % 2 ? 'VM Network' : 'VM Backend', observedIps: [] }] });
      }
      if (index % 100 === 0) log(`built ${index}/${HOSTS} hosts`);
    }
    log(`estate of ${HOSTS} hosts and ${HOSTS * VMS_PER_HOST} VMs built in ${((performance.now() - built) / 1000).toFixed(1)} s`);

    const load: number[] = [];
    const full: number[] = [];
    await loadEstate(context); // warm-up, not counted
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      await loadEstate(context);
      load.push(performance.now() - start);
      start = performance.now();
      const findings = runAudit(await loadEstate(context));
      full.push(performance.now() - start);
      assert.deepEqual(findings.map((finding) => `${finding.rule} ${finding.objects.join('/')}`), planted.map((vmk) => `vmotion-not-enabled ${vmk}`), 'the audit finds exactly the planted vmks');
    }
    const loadMs = median(load);
    const fullMs = median(full);
    process.stdout.write(
      `audit of ${HOSTS} hosts (${CLUSTERS} clusters), ${HOSTS * VMS_PER_HOST} VMs, SQLite, ${ROUNDS} rounds, medians\n` +
        `  load estate (baseline)  ${loadMs.toFixed(0).padStart(6)} ms\n` +
        `  full audit              ${fullMs.toFixed(0).padStart(6)} ms   ${(fullMs / loadMs).toFixed(2)} x load   ${planted.length} findings (all planted, none else)\n`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
