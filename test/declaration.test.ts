/**
 * `host apply`: declarations from YAML, validated as a whole, applied in one transaction, idempotent,
 * with addresses recorded in the IPAM (explicit or `{subnet: NAME}`, kept on re-apply).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseApplyDocument, parseDeclaration } from '../src/domain/declaration.ts';
import { HostwireError } from '../src/domain/errors.ts';
import { listAddresses } from '../src/ipam/allocation.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { listChanges } from '../src/services/changes.ts';
import { applyDeclarations } from '../src/services/declarations.ts';
import { listHosts, showHost } from '../src/services/hosts.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';

const SEED = readFileSync(join(import.meta.dirname, 'fixtures', 'seed-001.yaml'), 'utf8');
const parse = (text: string) => parseAllDocuments(text).map((document, index) => parseDeclaration(document.toJS(), `document ${index + 1}`));

describe('host apply', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-apply-'));
  let store: Store;
  let context: Context;
  before(async () => {
    store = await openStore(join(dir, 'apply.db'));
    context = makeContext(store, 'test');
    await createWire(context, { name: 'dc1' });
    await createSubnet(context, { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1' });
    await createSubnet(context, { name: 'vmotion-1', wire: 'dc1', cidr: '172.16.1.0/24' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies seed 001's Oracle VM host and an ESXi host, recording their addresses, and re-applies to no change", async () => {
    await applyDeclarations(context, parse(SEED));
    const ovm = await showHost(context, 'ovm1');
    assert.equal(ovm.osFamily, 'rhel');
    assert.deepEqual(ovm.interfaces.map((spec) => `${spec.kind}:${spec.name}`), ['physical:eth0', 'physical:eth1', 'bond:bond0', 'vlan:bond0.50', 'bridge:vlan50', 'vlan:bond0.51', 'bridge:vlan51', 'vlan:bond0.100', 'bridge:vlan100']);
    const owners = (await listAddresses(context, { state: 'allocated' })).map((record) => [record.address, record.ownerId]);
    assert.deepEqual(owners, [['10.1.1.101', 'ovm1/vlan100'], ['172.16.1.1', 'esx01/vmk1']]);
    const esx = await showHost(context, 'esx01');
    const vmk = esx.interfaces.find((spec) => spec.name === 'vmk1');
    assert.deepEqual(vmk && 'addresses' in vmk ? vmk.addresses : null, ['172.16.1.1/24']);
    const changes = (await listChanges(context)).length;
    await applyDeclarations(context, parse(SEED));
    assert.equal((await listChanges(context)).length, changes, 'a second apply changes nothing');
    assert.deepEqual((await listAddresses(context, { state: 'allocated' })).map((record) => record.address), ['10.1.1.101', '172.16.1.1'], 'the {subnet} address stays the same');
  });

  it('refuses bad declarations naming the interface and the rule, and writes nothing', async () => {
    const base = (interfaces: string) => `host: bad1\nplatform: kvm\ninterfaces:\n${interfaces}`;
    const nics = '  - {name: eth0, type: physical, mac: "52:54:00:00:00:01"}\n  - {name: eth1, type: physical, mac: "52:54:00:00:00:02"}\n';
    const cases: [string, RegExp][] = [
      [base(`${nics}  - {name: bond0, type: bond, members: [eth0, eth1], mode: 802.3ab}\n`), /interfaces\.2\.mode/],
      [base(`${nics}  - {name: eth0.5000, type: vlan, parent: eth0, vlan: 5000}\n`), /interfaces\.2\.vlan/],
      [base(`${nics}  - {name: bond0, type: bond, members: [eth0, eth1], mode: 802.3ad}\n  - {name: bond1, type: bond, members: [eth1], mode: active-backup}\n`), /'eth1' is already used by bond0/],
      [base(`${nics}  - {name: br0, type: bridge, ports: [br1]}\n  - {name: br1, type: bridge, ports: [br0]}\n`), /cycle: br0 -> br1 -> br0|cycle: br1 -> br0 -> br1/],
      [base(`  - {name: eth0, type: physical, addresses: [10.1.1.150/24]}\n  - {name: bond0, type: bond, members: [eth0], mode: active-backup}\n`), /eth0 is a member of bond bond0: put its address on bond0/],
      [base(`  - {name: eth0, type: physical, mtu: 1500}\n  - {name: eth0.7, type: vlan, parent: eth0, vlan: 7, mtu: 9000}\n`), /eth0\.7 has MTU 9000, above the 1500 of eth0/],
      [base(`${nics}  - {name: eth0, type: physical}\n`), /'eth0' is declared twice/],
      [base('  - {name: eth0, type: physical, mac: "52:54:00:00:00:01"}\n  - {name: eth1, type: physical, mac: "52:54:00:00:00:01"}\n'), /already the MAC of eth0/],
      ['host: bad2\nplatform: esxi\ninterfaces:\n  - {name: pg1, type: portgroup, switch: vSwitch9, vlan: 10}\n', /pg1 names 'vSwitch9' as its switch, but no interface has that name/],
      ['host: bad3\nplatform: esxi\ninterfaces:\n  - {name: vmk1, type: vmk}\n', /interfaces\.0\.attachment/],
      ['host: bad4\nplatform: esxi\ninterfaces:\n  - {name: vmnic0, type: physical}\n  - {name: vmnic1, type: physical}\n  - {name: vSwitch0, type: vswitch, uplinks: [vmnic0], teaming: {policy: explicit, active: [vmnic1]}}\n', /'vmnic1' is not an uplink of the switch/],
      [base('  - {name: br0, type: bridge, ports: [], addresses: [10.1.1.150/16]}\n'), /10\.1\.1\.150\/16 is in subnet 'mgmt' \(10\.1\.1\.0\/24\); write it 10\.1\.1\.150\/24/],
      [base('  - {name: br0, type: bridge, ports: [], addresses: [10.1.1.101/24]}\n'), /10\.1\.1\.101 is already allocated to host-interface:ovm1\/vlan100/],
      [base('  - {name: br0, type: bridge, ports: [], addresses: [{subnet: nope}]}\n'), /subnet 'nope' does not exist/],
      [base('  - {name: br0, type: bridge, ports: [], addresses: [10.1.1.0/24]}\n'), /network address of 10\.1\.1\.0\/24/],
      ['host: bad5\nplatform: hyperv\ninterfaces: []\n', /platform/],
      ['host: bad6\nplatform: kvm\ninterfaces: []\nfoo: 1\n', /foo|Unrecognized/],
    ];
    const before = { hosts: (await listHosts(context)).length, changes: (await listChanges(context)).length, addresses: (await listAddresses(context)).length };
    for (const [text, pattern] of cases) {
      await assert.rejects(
        (async () => applyDeclarations(context, parse(text)))(),
        (error: unknown) => {
          assert.ok(error instanceof HostwireError, String(error));
          assert.match(error.message, pattern);
          return true;
        },
        text,
      );
    }
    // A good document followed by one the graph rules refuse writes neither.
    await assert.rejects(
      async () => applyDeclarations(context, parse(`host: good1\nplatform: kvm\ninterfaces: []\n---\n${base('  - {name: eth0, type: physical, mtu: 1500}\n  - {name: eth0.7, type: vlan, parent: eth0, vlan: 7, mtu: 9000}\n')}`)),
      /above the 1500 of eth0/,
    );
    assert.deepEqual({ hosts: (await listHosts(context)).length, changes: (await listChanges(context)).length, addresses: (await listAddresses(context)).length }, before);
  });

  it('reports YAML syntax errors with their line from the CLI', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'host: x\nplatform: kvm\ninterfaces:\n  - {name: eth0, type: physical\n');
    const result = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'hostwire.js'), '--db', join(dir, 'cli.db'), 'host', 'apply', file], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /broken\.yaml line \d+:/);
  });

  it('applies a host profile to many hosts with per-host values (seed 002), all or nothing', async () => {
    await createSubnet(context, { name: 'vmotion-2', wire: 'dc1', cidr: '172.16.2.0/24' });
    const profile = parseAllDocuments(readFileSync(join(import.meta.dirname, 'fixtures', 'seed-002-profile.yaml'), 'utf8')).flatMap((document) => parseApplyDocument(document.toJS()));
    const applied = await applyDeclarations(context, profile);
    assert.deepEqual(applied.map((host) => [host.name, host.cluster, host.managementAddress]), [['esx11', 'dc1-cluster', '10.1.1.61'], ['esx12', 'dc1-cluster', '10.1.1.62']]);
    for (const [host, octet] of [['esx11', '61'], ['esx12', '62']] as const) {
      const detail = await showHost(context, host);
      const addressOf = (name: string) => detail.interfaces.find((spec) => spec.name === name && 'addresses' in spec);
      assert.deepEqual(['vmk0', 'vmk1', 'vmk2'].map((name) => (addressOf(name) as { addresses: string[] }).addresses[0]), [`10.1.1.${octet}/24`, `172.16.1.${octet}/24`, `172.16.2.${octet}/24`]);
      assert.equal(detail.interfaces.find((spec) => spec.name === 'vmnic1' && spec.kind === 'physical' && spec.mac === `00:50:56:${host.slice(3)}:00:01`)?.name, 'vmnic1');
      assert.equal(detail.interfaces.find((spec) => spec.name === 'vmk1')?.description, `vMotion 1 of ${host}`);
    }
    const owners = (await listAddresses(context, { subnet: 'vmotion-2' })).map((record) => [record.address, record.ownerId]);
    assert.deepEqual(owners, [['172.16.2.61', 'esx11/vmk2'], ['172.16.2.62', 'esx12/vmk2']]);
  });

  it('refuses a profile with an undefined variable, a MAC for an unknown NIC, or no IPv4 management for ${octet}', () => {
    const profile = (hosts: string, vmk = '172.16.1.${octet}/24') =>
      `profile: p\nplatform: esxi\nhosts:\n${hosts}\ninterfaces:\n  - {name: vmnic0, type: physical}\n  - {name: vs0, type: vswitch, uplinks: [vmnic0]}\n  - {name: pg, type: portgroup, switch: vs0, vlan: 0}\n  - {name: vmk1, type: vmk, portgroup: pg, addresses: ["${vmk}"]}\n`;
    const expand = (text: string) => parseAllDocuments(text).flatMap((document) => parseApplyDocument(document.toJS(), 'p.yaml document 1'));
    assert.throws(() => expand(profile('  - {host: h1, management: 10.0.0.1}', '172.16.1.${last}/24')), /p\.yaml document 1 hosts\.0 \(h1\): interfaces\.3\.addresses\.0: \$\{last\} is not defined; use one of: \$\{host\}, \$\{management\}, \$\{octet\}/);
    assert.throws(() => expand(profile('  - {host: h1, management: 10.0.0.1, macs: {vmnic9: "00:50:56:00:00:01"}}')), /hosts\.0 \(h1\): macs\.vmnic9: the profile has no interface named 'vmnic9'/);
    assert.throws(() => expand(profile('  - {host: h1, management: "2001:db8::1"}')), /\$\{octet\} is not defined/);
    assert.throws(() => expand('profile: p\nplatform: esxi\nhosts: []\ninterfaces: []\n'), /hosts/);
  });
});
