/**
 * The sync as a user runs it from the CLI, against the simulator: account add with the password
 * from an environment variable, the key file beside the store, and the JSON contracts of
 * sync, host list, vm list, wire list and portgroup list.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readScenario, startVcsim } from './vcsim/harness.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');

describe('sync from the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-sync-cli-'));
  const db = join(dir, 'cli.db');
  let sim: Awaited<ReturnType<typeof startVcsim>>;
  const env = { ...process.env, HOSTWIRE_SECRET_KEY: '', HOSTWIRE_DB: '' };
  const hostwire = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...env, VC_PASSWORD: sim.password } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const json = (...args: string[]) => {
    const result = hostwire(...args, '--json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  };

  before(async () => {
    sim = await startVcsim(readScenario('seeds'), { tls: true });
    writeFileSync(join(dir, 'ca.pem'), sim.certPem);
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds an account with the password from the environment, sealed with a 0600 key beside the store', () => {
    const added = hostwire('account', 'add', 'vsphere', 'vc1', '--url', sim.url, '--username', sim.username, '--password-env', 'VC_PASSWORD', '--ca', join(dir, 'ca.pem'));
    assert.equal(added.code, 0, added.stderr);
    assert.equal(statSync(join(dir, 'hostwire.key')).mode & 0o777, 0o600);
    assert.ok(!readFileSync(db).includes(Buffer.from(sim.password)), 'the password is not in the store in clear');
    const listed = hostwire('account', 'list', '--json');
    assert.ok(!listed.stdout.includes(sim.password));
    assert.equal(JSON.parse(listed.stdout)[0].tls, 'custom-ca');
    const missing = hostwire('account', 'add', 'vsphere', 'vc2', '--url', sim.url, '--username', 'u', '--password-env', 'NOT_SET_ANYWHERE');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /password: \$NOT_SET_ANYWHERE is not set/);
    const both = hostwire('account', 'add', 'vsphere', 'vc3', '--url', sim.url, '--username', 'u', '--password-env', 'VC_PASSWORD', '--insecure', '--thumbprint', sim.thumbprint);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /one of --ca, --thumbprint or --insecure/);
  });

  it('syncs and prints the JSON contracts', () => {
    const summary = json('sync', 'vc1');
    assert.equal(summary.status, 'succeeded');
    assert.equal(summary.counts.host.created, 2);
    assert.deepEqual(json('host', 'list').map((host: { name: string }) => host.name), ['esx01', 'esx02']);
    const wires = json('wire', 'list');
    assert.ok(wires.every((wire: { origin: string }) => wire.origin === 'auto'));
    const portgroups = json('portgroup', 'list', '--host', 'esx01');
    const vmNetwork = portgroups.find((pg: { name: string }) => pg.name === 'VM Network');
    assert.deepEqual(vmNetwork, { kind: 'portgroup', host: 'esx01', switch: 'vSwitch0', name: 'VM Network', vlan: 50, wire: 'vc1/esx01/vSwitch0', subnets: [], subnet: null });
    const vms = json('vm', 'list');
    const web01 = vms.find((vm: { name: string }) => vm.name === 'web01');
    assert.deepEqual(Object.keys(web01).filter((key) => ['name', 'uuid', 'host', 'nics'].includes(key)).sort(), ['host', 'name', 'nics', 'uuid']);
    assert.deepEqual(web01.nics, [{ mac: '00:50:56:aa:00:01', portgroup: 'VM Network', connected: true, ips: [{ address: '10.50.0.10', subnet: null, reason: 'no subnet contains it: add a subnet that contains it on the right wire and sync again' }] }]);
    const shown = hostwire('vm', 'show', 'web01');
    assert.match(shown.stdout, /10\.50\.0\.10\s+-\s+no subnet contains it/);
    const again = json('sync', 'vc1');
    assert.deepEqual(again.counts, {});
  });

  it('says clearly when the login is wrong, and exits non-zero', () => {
    const added = spawnSync(process.execPath, [BIN, '--db', db, 'account', 'add', 'vsphere', 'bad', '--url', sim.url, '--username', sim.username, '--password-env', 'WRONG', '--ca', join(dir, 'ca.pem')], { encoding: 'utf8', env: { ...env, WRONG: 'not-the-password' } });
    assert.equal(added.status, 0, added.stderr);
    const result = hostwire('sync', 'bad');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: .*(login|password|incorrect)/i);
    assert.ok(!result.stderr.includes('not-the-password'));
  });
});
