/**
 * The CLI as a user runs it: the real `bin/hostwire.js` in a child process. Checks the JSON
 * contracts of the issue, the exit codes, and that bad input changes nothing in the store.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');
const dir = mkdtempSync(join(tmpdir(), 'hostwire-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function hostwire(db: string, ...args: string[]): Result {
  const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function json<T = any>(db: string, ...args: string[]): T {
  const result = hostwire(db, ...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

function ok(db: string, ...args: string[]): string {
  const result = hostwire(db, ...args);
  assert.equal(result.code, 0, `hostwire ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('hostwire CLI', () => {
  const db = join(dir, 'cli.db');

  it('creates wires and subnets and lists them with the JSON contract', () => {
    ok(db, 'wire', 'create', 'dc1', '--mtu', '9000', '--description', 'rack 1');
    ok(db, 'subnet', 'create', 'mgmt', '--wire', 'dc1', '--cidr', '10.1.1.0/24', '--vlan', '100', '--gateway', '10.1.1.1', '--dns', '10.1.1.10,10.1.1.11', '--domain', 'dc1.example.net', '--pool', '10.1.1.50-10.1.1.99', '--pool', '10.1.1.150-10.1.1.199');
    ok(db, 'subnet', 'create', 'v6', '--wire', 'dc1', '--cidr', '2001:db8::/64', '--policy', 'highest', '--hold-down', '60');
    const wires = json(db, 'wire', 'list');
    assert.deepEqual(wires.map((wire: { name: string; mtu: number }) => [wire.name, wire.mtu]), [['dc1', 9000]]);
    const subnets = json(db, 'subnet', 'list');
    assert.equal(subnets.length, 2);
    const [mgmt, v6] = subnets;
    assert.deepEqual(
      { name: mgmt.name, wire: mgmt.wire, cidr: mgmt.cidr, vlan: mgmt.vlan, gateway: mgmt.gateway, capacity: mgmt.capacity, used: mgmt.used, free: mgmt.free },
      { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1', capacity: 254, used: 1, free: 100 },
    );
    assert.deepEqual(mgmt.dns, ['10.1.1.10', '10.1.1.11']);
    assert.equal(v6.gateway, null);
    // A /64's capacity is printed exactly, as a JSON number.
    assert.match(hostwire(db, 'subnet', 'list', '--json').stdout, /"capacity": 18446744073709551615/);
    const table = ok(db, 'subnet', 'list');
    assert.match(table, /^NAME\s+WIRE\s+CIDR\s+VLAN\s+GATEWAY\s+CAPACITY\s+USED\s+FREE/);
    assert.match(table, /mgmt\s+dc1\s+10\.1\.1\.0\/24\s+100\s+10\.1\.1\.1\s+254\s+1\s+100/);
    const shown = json(db, 'subnet', 'show', 'mgmt');
    assert.deepEqual(shown.pools, [{ first: '10.1.1.50', last: '10.1.1.99' }, { first: '10.1.1.150', last: '10.1.1.199' }]);
  });

  it('allocates, reserves, releases and lists addresses', () => {
    const allocated = json(db, 'ip', 'allocate', '--subnet', 'mgmt', '--count', '3', '--owner', 'web01');
    assert.deepEqual(allocated.map((record: { address: string }) => record.address), ['10.1.1.50', '10.1.1.51', '10.1.1.52']);
    assert.equal(allocated[0].owner, 'web01');
    assert.deepEqual(json(db, 'ip', 'allocate', '--subnet', 'mgmt', '--ip', '10.1.1.120', '--owner', 'pxe-host:esx07').map((r: { owner: string }) => r.owner), ['pxe-host:esx07']);
    ok(db, 'ip', 'reserve', '10.1.1.53', '--subnet', 'mgmt', '--note', 'printer');
    ok(db, 'ip', 'release', '10.1.1.51');
    const records = json(db, 'ip', 'list', '--subnet', 'mgmt');
    assert.deepEqual(
      records.map((record: { address: string; subnet: string; state: string; owner: string | null }) => [record.address, record.subnet, record.state, record.owner]),
      [
        ['10.1.1.1', 'mgmt', 'reserved', 'gateway'],
        ['10.1.1.50', 'mgmt', 'allocated', 'web01'],
        ['10.1.1.52', 'mgmt', 'allocated', 'web01'],
        ['10.1.1.53', 'mgmt', 'reserved', null],
        ['10.1.1.120', 'mgmt', 'allocated', 'pxe-host:esx07'],
      ],
    );
    assert.equal(json(db, 'ip', 'list', '--limit', '2').length, 2);
    assert.deepEqual(json(db, 'ip', 'allocate', '--subnet', 'v6', '--json').map((r: { address: string }) => r.address), ['2001:db8::ffff:ffff:ffff:ffff']);
  });

  it('keeps a change log with the cli actor', () => {
    const changes = json(db, 'changes');
    assert.ok(changes.length >= 10);
    assert.equal(changes[0].action, 'allocate');
    assert.equal(changes[0].actor, 'cli');
    assert.ok(changes.every((change: { at: string }) => !Number.isNaN(Date.parse(change.at))));
    assert.equal(json(db, 'changes', '--limit', '3').length, 3);
    assert.deepEqual(json(db, 'changes', '--kind', 'wire').map((change: { objectName: string }) => change.objectName), ['dc1']);
  });

  it('refuses bad input with a non-zero exit, the field and what is allowed, and no change', () => {
    const state = () => [hostwire(db, 'wire', 'list', '--json').stdout, hostwire(db, 'subnet', 'list', '--json').stdout, hostwire(db, 'ip', 'list', '--json').stdout, hostwire(db, 'changes', '--json').stdout];
    const before = state();
    const cases: [string[], number, RegExp][] = [
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.9.0.1/24'], 2, /cidr: .*host bits set; the network is 10\.9\.0\.0\/24/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.9.0.0/24', '--vlan', '4095'], 2, /vlan: .*0.*4094/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', 'banana'], 2, /cidr/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.9.0.0/24', '--gateway', '10.9.1.1'], 2, /gateway: .*outside the subnet/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.9.0.0/24', '--gateway', '10.9.0.255'], 2, /gateway: .*broadcast address/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.9.0.0/24', '--pool', '10.9.0.10-10.9.1.10'], 2, /pools\.0: .*outside the subnet/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.9.0.0/24', '--pool', '10.9.0.10-10.9.0.20', '--pool', '10.9.0.15-10.9.0.30'], 2, /pools\.1: .*overlaps/],
      [['subnet', 'create', 's', '--wire', 'dc1', '--cidr', '10.1.0.0/16'], 3, /overlaps subnet 'mgmt' \(10\.1\.1\.0\/24\)/],
      [['subnet', 'create', 'mgmt', '--wire', 'dc1', '--cidr', '10.9.0.0/24'], 3, /already exists/],
      [['wire', 'create', 'dc1'], 3, /already exists/],
      [['wire', 'create', 'bad*name'], 2, /name/],
      [['wire', 'create', 'w2', '--mtu', '20000'], 2, /mtu/],
      [['ip', 'allocate', '--subnet', 'mgmt', '--ip', '10.1.2.5'], 2, /outside subnet 'mgmt'/],
      [['ip', 'allocate', '--subnet', 'mgmt', '--ip', '10.1.1.50'], 3, /already allocated to web01/],
      [['ip', 'allocate', '--subnet', 'mgmt', '--ip', '10.1.1.999'], 2, /address: .*not a valid IPv4 address/],
      [['ip', 'allocate', '--subnet', 'mgmt', '--count', '1000'], 3, /only 97 free; nothing was allocated/],
      [['ip', 'allocate', '--subnet', 'nope'], 4, /subnet 'nope' does not exist/],
      [['ip', 'release', '10.1.1.1'], 3, /gateway/],
      [['subnet', 'delete', 'mgmt'], 3, /3 addresses in use \(3 allocated\)/],
      [['subnet', 'list', '--limit', 'x'], 2, /limit/],
      [['changes', '--since', 'yesterday'], 2, /since/],
    ];
    for (const [args, code, pattern] of cases) {
      const result = hostwire(db, ...args);
      assert.equal(result.code, code, `hostwire ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      assert.match(result.stderr, pattern, `hostwire ${args.join(' ')}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.deepEqual(state(), before);
  });

  it('updates subnets and wires', () => {
    ok(db, 'subnet', 'update', 'v6', '--gateway', '2001:db8::1', '--policy', 'lowest');
    const v6 = json(db, 'subnet', 'show', 'v6');
    assert.deepEqual([v6.gateway, v6.policy, v6.used], ['2001:db8::1', 'lowest', 2]);
    ok(db, 'subnet', 'update', 'v6', '--no-gateway');
    assert.equal(json(db, 'subnet', 'show', 'v6').gateway, null);
    assert.equal(hostwire(db, 'subnet', 'update', 'v6', '--gateway', '10.0.0.1').code, 2);
    assert.equal(json(db, 'wire', 'update', 'dc1', '--mtu', '1500').mtu, 1500);
  });

  it('exits 2 on usage errors and 0 on help', () => {
    assert.equal(hostwire(db, 'frobnicate').code, 2);
    assert.equal(hostwire(db, 'subnet', 'create', 'x').code, 2);
    const help = hostwire(db, '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /subnet/);
  });

  it('uses $HOSTWIRE_DB when --db is not given', () => {
    const envDb = join(dir, 'env.db');
    const result = spawnSync(process.execPath, [BIN, 'wire', 'create', 'from-env'], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: envDb } });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(json(envDb, 'wire', 'list').map((wire: { name: string }) => wire.name), ['from-env']);
  });

  it('runs the demo idempotently', () => {
    const demoDb = join(dir, 'demo.db');
    assert.match(ok(demoDb, 'demo'), /created the demo estate/);
    assert.match(ok(demoDb, 'demo'), /already in/);
    const names = json(demoDb, 'subnet', 'list').map((subnet: { name: string }) => subnet.name);
    assert.deepEqual(names, ['mgmt', 'vm-db', 'vm-v6', 'vm-web', 'vmotion-1', 'vmotion-2', 'vmotion-3', 'xen-10', 'xen-20']);
    assert.deepEqual(json(demoDb, 'host', 'list', '--cluster', 'prod').map((host: { name: string }) => host.name), ['esx01', 'esx02']);
    assert.deepEqual(json(demoDb, 'host', 'list').map((host: { name: string }) => host.name), ['esx01', 'esx02', 'ovm1', 'xen1']);
    const esx02 = json(demoDb, 'host', 'show', 'esx02');
    assert.deepEqual(esx02.interfaces.find((spec: { name: string }) => spec.name === 'vmk2').addresses, ['172.16.2.52/24']);
    const vms = json(demoDb, 'vm', 'list', '--host', 'esx01').filter((vm: { name: string }) => vm.name === 'db01');
    assert.deepEqual(vms.map((vm: { name: string }) => vm.name), ['db01']);
    assert.deepEqual(JSON.parse(json(demoDb, 'tag', 'list', 'vm', vms[0].uuid).sync_ips), [{ address: '192.168.77.20', mac: '00:50:56:aa:00:03', reason: 'no subnet contains it: add a subnet that contains it on the right wire and sync again' }]);
    const db01 = json(demoDb, 'vm', 'show', vms[0].uuid);
    assert.deepEqual(db01.nics[0].ips, [{ address: '192.168.77.20', subnet: null, reason: 'no subnet contains it: add a subnet that contains it on the right wire and sync again' }]);
    assert.equal(hostwire(demoDb, 'tag', 'set', 'vm', 'not-a-uuid', 'k', 'v').code, 2);
    assert.equal(hostwire(demoDb, 'host', 'show', 'esx99').code, 4);
  });
});
