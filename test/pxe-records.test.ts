/**
 * PXE provisioning records: hosts with their IPAM address (owner pxe-host:NAME) and release,
 * every bad input refused with nothing written, installer image checks naming the missing files,
 * kickstart tokens, boot progress and the render input, on SQLite and PostgreSQL; then the real
 * CLI in a child process and the HTTP API with its roles.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../src/api/server.ts';
import { HostwireError } from '../src/domain/errors.ts';
import { allocate, listAddresses, release } from '../src/ipam/allocation.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { parseEsxiBootConfig } from '../src/pxe/installer-image.ts';
import { listChanges } from '../src/services/changes.ts';
import { upsertHost } from '../src/services/hosts.ts';
import { addPxeHost, addPxeImage, bootProgress, listPxeHosts, listPxeImages, pxeRenderInput, pxeToken, recordBootStep, removePxeHost, showPxeHost, verifyPxeToken } from '../src/services/pxe.ts';
import { keyFilePath } from '../src/services/secrets.ts';
import { createToken } from '../src/services/tokens.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext, type Context } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'pxe');
const ESXI = join(FIXTURES, 'esxi');
const DEBIAN = join(FIXTURES, 'debian-netboot');

const work = mkdtempSync(join(tmpdir(), 'hostwire-pxe-'));
after(() => rmSync(work, { recursive: true, force: true }));
// The key file beside each SQLite store is what these tests exercise, not a passphrase.
delete process.env.HOSTWIRE_SECRET_KEY;

let folders = 0;
/** A copy of an installer fixture to break: `change` deletes or writes files in it. */
function installerCopy(from: string, change: (dir: string) => void): string {
  const dir = join(work, `installer-${++folders}`);
  cpSync(from, dir, { recursive: true });
  change(dir);
  return dir;
}

/** The error a call is refused with. */
async function refusal(call: Promise<unknown>): Promise<HostwireError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof HostwireError, `expected a HostwireError, got ${error}`);
    return error;
  }
  assert.fail('expected a refusal');
}

async function counts(context: Context) {
  return { hosts: (await listPxeHosts(context)).length, images: (await listPxeImages(context)).length, addresses: (await listAddresses(context)).length, changes: (await listChanges(context)).length };
}

/** A plan with a tagged management subnet (pool .50-.59, domain), an untagged one and an IPv6 one, and both images. */
async function seedPlan(context: Context): Promise<void> {
  await createWire(context, { name: 'dc1' });
  await createSubnet(context, { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1', dns: ['10.1.1.10'], domain: 'dc1.example.net', pools: ['10.1.1.50-10.1.1.59'] });
  await createSubnet(context, { name: 'flat', wire: 'dc1', cidr: '192.168.7.0/24', gateway: '192.168.7.1' });
  await createSubnet(context, { name: 'v6', wire: 'dc1', cidr: '2001:db8::/64' });
  await addPxeImage(context, { name: 'esxi7', kind: 'esxi', from: ESXI });
  await addPxeImage(context, { name: 'debian12', kind: 'linux', from: DEBIAN });
}

function definePxeSuite(open: () => Promise<Store>): void {
  let store: Store;
  let context: Context;
  let clock = Date.parse('2025-03-01T10:00:00Z');
  before(async () => {
    store = await open();
    context = makeContext(store, 'test', () => new Date(clock));
    await seedPlan(context);
  });
  after(() => store.close());

  it('adds a host with an address from the IPAM held as pxe-host:NAME, defaults from the subnet', async () => {
    const before = await counts(context);
    const host = await addPxeHost(context, { name: 'esx07', mac: '00-50-56-AA-BB-07', subnet: 'mgmt', image: 'esxi7' });
    assert.deepEqual(host, { name: 'esx07', mac: '00:50:56:aa:bb:07', subnet: 'mgmt', address: '10.1.1.50', boot: 'auto', image: 'esxi7', hostname: 'esx07.dc1.example.net', vlan: 100, createdAt: '2025-03-01T10:00:00.000Z' });
    const [record] = await listAddresses(context, { subnet: 'mgmt', state: 'allocated' });
    assert.deepEqual([record!.address, record!.ownerKind, record!.ownerId], ['10.1.1.50', 'pxe-host', 'esx07']);
    const changes = (await listChanges(context)).slice(0, 2).map((change) => [change.objectKind, change.objectName, change.action]);
    assert.deepEqual(changes, [['pxe-host', 'esx07', 'create'], ['address', '10.1.1.50', 'allocate']]);
    assert.deepEqual(await counts(context), { ...before, hosts: before.hosts + 1, addresses: before.addresses + 1, changes: before.changes + 2 });

    const given = await addPxeHost(context, { name: 'kvm03', mac: '52:54:00:12:34:03', subnet: 'flat', ip: '192.168.7.30', boot: 'bios', image: 'debian12', hostname: 'kvm03.lab.example.org' });
    assert.deepEqual([given.address, given.boot, given.hostname, given.vlan], ['192.168.7.30', 'bios', 'kvm03.lab.example.org', null]);
    assert.deepEqual((await listPxeHosts(context)).map((listed) => listed.name), ['esx07', 'kvm03']);
  });

  it('refuses every bad input with a message naming the field, writing nothing', async () => {
    await allocate(context, { subnet: 'mgmt', address: '10.1.1.58', owner: { kind: 'manual', id: 'printer' } });
    const good = { name: 'esx08', mac: '00:50:56:aa:bb:08', subnet: 'mgmt', image: 'esxi7' };
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['duplicate MAC', { mac: '00:50:56:AA:BB:07' }, 'conflict', /^mac: 00:50:56:aa:bb:07 is already PXE host 'esx07''s/],
      ['duplicate hostname', { hostname: 'esx07.dc1.example.net' }, 'conflict', /^hostname: esx07\.dc1\.example\.net is already PXE host 'esx07''s$/],
      ['duplicate default hostname', { name: 'ESX07' }, 'conflict', /^hostname: esx07\.dc1\.example\.net is already PXE host 'esx07''s \(the default/],
      ['duplicate name', { name: 'esx07', hostname: 'other.dc1.example.net' }, 'conflict', /^name: a PXE host named 'esx07' already exists/],
      ['address outside the subnet', { ip: '10.1.2.5' }, 'validation', /^ip: 10\.1\.2\.5 is outside subnet 'mgmt' \(10\.1\.1\.0\/24\)$/],
      ['address taken', { ip: '10.1.1.58' }, 'conflict', /^ip: 10\.1\.1\.58 is already allocated to printer in subnet 'mgmt'$/],
      ["another PXE host's address", { ip: '10.1.1.50' }, 'conflict', /^ip: 10\.1\.1\.50 is already allocated to pxe-host:esx07/],
      ['the gateway', { ip: '10.1.1.1' }, 'conflict', /^ip: 10\.1\.1\.1 is already reserved to gateway/],
      ['not an address', { ip: '10.1.1.300' }, 'validation', /^ip: /],
      ['unknown subnet', { subnet: 'nowhere' }, 'not_found', /^subnet 'nowhere' does not exist$/],
      ['IPv6 subnet', { subnet: 'v6' }, 'validation', /^subnet: 'v6' \(2001:db8::\/64\) is IPv6/],
      ['unknown image', { image: 'esxi9' }, 'not_found', /^image 'esxi9' does not exist$/],
      ['bad MAC', { mac: '00:50:56:aa:bb' }, 'validation', /^mac: '00:50:56:aa:bb' is not a MAC address/],
      ['multicast MAC', { mac: '01:00:5e:00:00:01' }, 'validation', /^mac: '01:00:5e:00:00:01' is a multicast address/],
      ['VLAN 0', { vlan: 0 }, 'validation', /^vlan: 0 is not allowed: use a tagged VLAN ID from 1 to 4094$/],
      ['VLAN 4095', { vlan: '4095' }, 'validation', /^vlan: "4095" is not allowed: use a tagged VLAN ID from 1 to 4094$/],
      ['VLAN not a number', { vlan: 'ten' }, 'validation', /^vlan: "ten" is not allowed/],
      ["VLAN other than the subnet's", { vlan: 200 }, 'validation', /^vlan: 200 differs from VLAN 100 of subnet 'mgmt'/],
      ['bad boot mode', { boot: 'efi' }, 'validation', /^boot: "efi" is not allowed: use one of bios, uefi, auto$/],
      ['bad name', { name: 'esx 08' }, 'validation', /^name: "esx 08" is not a host name/],
      ['bad hostname', { hostname: 'esx_08.example' }, 'validation', /^hostname: "esx_08.example" is not a DNS domain/],
    ];
    const before = await counts(context);
    for (const [what, change, kind, message] of cases) {
      const error = await refusal(addPxeHost(context, { ...good, ...change } as never));
      assert.equal(error.kind, kind, `${what}: ${error.message}`);
      assert.match(error.message, message, what);
      assert.deepEqual(await counts(context), before, `${what} wrote nothing`);
    }
  });

  it('refuses a boot mode the image has no loader for', async () => {
    const biosOnly = installerCopy(ESXI, (dir) => rmSync(join(dir, 'efi'), { recursive: true }));
    await addPxeImage(context, { name: 'esxi7-bios', kind: 'esxi', from: biosOnly });
    const before = await counts(context);
    for (const boot of ['uefi', 'auto']) {
      const error = await refusal(addPxeHost(context, { name: 'esx09', mac: '00:50:56:aa:bb:09', subnet: 'mgmt', image: 'esxi7-bios', boot }));
      assert.match(error.message, /^boot: image 'esxi7-bios' has no UEFI loader.*use --boot bios/);
    }
    assert.deepEqual(await counts(context), before);
    // A folder emptied after the image was added is caught when a host would boot it.
    renameSync(join(biosOnly, 'k.b00'), join(biosOnly, 'k.b00.gone'));
    const error = await refusal(addPxeHost(context, { name: 'esx09', mac: '00:50:56:aa:bb:09', subnet: 'mgmt', image: 'esxi7-bios', boot: 'bios' }));
    assert.match(error.message, /^image: image 'esxi7-bios' no longer checks out: from: installer folder .* is missing k\.b00 \(named by boot\.cfg\)$/);
    assert.deepEqual(await counts(context), before);
  });

  it('records boot steps once each, keeping the first time, and shows them in install order', async () => {
    clock = Date.parse('2025-03-01T10:05:00Z');
    await recordBootStep(context, 'esx07', 'dhcp-offered', 'DHCPOFFER 10.1.1.50');
    clock += 2000;
    await recordBootStep(context, 'esx07', 'loader-fetched', 'pxelinux.0');
    clock += 2000;
    // The installer leases again after its config: the first offer stays the one shown.
    const again = await recordBootStep(context, 'esx07', 'dhcp-offered', 'DHCPOFFER 10.1.1.50 (installer)');
    assert.deepEqual(again, { host: 'esx07', step: 'dhcp-offered', at: '2025-03-01T10:05:00.000Z', detail: 'DHCPOFFER 10.1.1.50' });
    await recordBootStep(context, 'esx07', 'config-fetched', 'pxelinux.cfg/01-00-50-56-aa-bb-07');
    await recordBootStep(context, 'kvm03', 'dhcp-offered', 'DHCPOFFER 192.168.7.30');
    const shown = await showPxeHost(context, 'esx07');
    assert.deepEqual(shown.progress.map((step) => [step.step, step.at, step.detail]), [
      ['dhcp-offered', '2025-03-01T10:05:00.000Z', 'DHCPOFFER 10.1.1.50'],
      ['loader-fetched', '2025-03-01T10:05:02.000Z', 'pxelinux.0'],
      ['config-fetched', '2025-03-01T10:05:04.000Z', 'pxelinux.cfg/01-00-50-56-aa-bb-07'],
    ]);
    assert.deepEqual((await bootProgress(context)).map((step) => `${step.host}:${step.step}`), ['esx07:dhcp-offered', 'esx07:loader-fetched', 'esx07:config-fetched', 'kvm03:dhcp-offered']);
    assert.equal((await refusal(recordBootStep(context, 'nobody', 'dhcp-offered', ''))).kind, 'not_found');
    assert.equal((await refusal(recordBootStep(context, 'esx07', 'rebooted' as never, ''))).kind, 'validation');
  });

  it('derives a kickstart token per host: stable, different per host, new for a re-added host', async () => {
    const token = await pxeToken(context, 'esx07');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await pxeToken(context, 'esx07'), token);
    const other = await pxeToken(context, 'kvm03');
    assert.notEqual(other, token);
    assert.equal(await verifyPxeToken(context, 'esx07', token), true);
    for (const wrong of [other, '', token.slice(0, -1), `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, `${token}x`]) {
      assert.equal(await verifyPxeToken(context, 'esx07', wrong), false, wrong);
    }
    assert.equal(await verifyPxeToken(context, 'nobody', token), false);
    if (store.dialect === 'sqlite') assert.equal(statSync(keyFilePath(store)).mode & 0o777, 0o600);
  });

  it('builds the render input: subnet facts, image, token, and the declaration of a declared host', async () => {
    await upsertHost(context, { name: 'esx07', platform: 'esxi' });
    const input = await pxeRenderInput(context, { server: { address: '10.1.1.5', httpPort: 8080, interface: 'eth1' }, allowUnknown: false, dns: false, rootPasswordHash: '$6$salt1234$louA.pgRarn8cVix3yBFyOOj73MD1nFtu585ORIeduo/5A7NnPZ07LQyXNxaB5l9cyyk/MaRbT3u/8uzEETRc/' });
    assert.deepEqual(input.hosts.map((host) => host.record.name), ['esx07', 'kvm03']);
    const [esx07, kvm03] = input.hosts;
    assert.deepEqual(esx07!.subnet, { name: 'mgmt', cidr: '10.1.1.0/24', gateway: '10.1.1.1', dns: ['10.1.1.10'], domain: 'dc1.example.net', vlan: 100 });
    assert.deepEqual([esx07!.image.name, esx07!.image.kind, esx07!.image.path], ['esxi7', 'esxi', ESXI]);
    assert.equal(esx07!.token, await pxeToken(context, 'esx07'));
    assert.deepEqual([esx07!.declared?.name, esx07!.declared?.platform], ['esx07', 'esxi']);
    assert.equal(kvm03!.declared, null);
    assert.deepEqual([kvm03!.image.kernel, kvm03!.image.initrd], ['debian-installer/amd64/linux', 'debian-installer/amd64/initrd.gz']);
    assert.deepEqual([input.server, input.allowUnknown, input.dns, input.rootPasswordHash], [{ address: '10.1.1.5', httpPort: 8080, interface: 'eth1' }, false, false, '$6$salt1234$louA.pgRarn8cVix3yBFyOOj73MD1nFtu585ORIeduo/5A7NnPZ07LQyXNxaB5l9cyyk/MaRbT3u/8uzEETRc/']);
    const error = await refusal(pxeRenderInput(context, { server: { address: '2001:db8::5', httpPort: 0, interface: null }, allowUnknown: true, dns: true, rootPasswordHash: 'hunter2' }));
    assert.deepEqual(error.fields.map((field) => field.path), ['server.address', 'server.httpPort', 'rootPasswordHash']);
  });

  it('removes a host: releases its address, deletes its progress, and a re-added host gets a new token', async () => {
    const token = await pxeToken(context, 'esx07');
    const removed = await removePxeHost(context, 'esx07');
    assert.equal(removed.address, '10.1.1.50');
    assert.deepEqual((await listAddresses(context, { subnet: 'mgmt' })).map((record) => record.address), ['10.1.1.1', '10.1.1.58']);
    assert.deepEqual((await listChanges(context)).slice(0, 2).map((change) => [change.objectKind, change.objectName, change.action]), [['pxe-host', 'esx07', 'delete'], ['address', '10.1.1.50', 'release']]);
    assert.deepEqual((await bootProgress(context)).map((step) => step.host), ['kvm03']);
    assert.equal((await refusal(showPxeHost(context, 'esx07'))).message, "PXE host 'esx07' does not exist");
    assert.equal((await refusal(removePxeHost(context, 'esx07'))).kind, 'not_found');

    const again = await addPxeHost(context, { name: 'esx07', mac: '00:50:56:aa:bb:07', subnet: 'mgmt', image: 'esxi7' });
    assert.equal(again.address, '10.1.1.50');
    assert.equal(await verifyPxeToken(context, 'esx07', token), false);
    assert.deepEqual((await showPxeHost(context, 'esx07')).progress, []);
  });

  it("refuses to release a PXE host's address by hand, naming the command that does", async () => {
    const refused = await refusal(release(context, { address: '192.168.7.30' }));
    assert.equal(refused.kind, 'conflict');
    assert.match(refused.message, /192\.168\.7\.30 is held by PXE host 'kvm03'; remove the host instead \(hostwire pxe host remove kvm03\)/);
    const held = () => listAddresses(context, { subnet: 'flat' }).then((records) => records.filter((entry) => entry.address === '192.168.7.30').map((entry) => `${entry.ownerKind}:${entry.ownerId}`));
    assert.deepEqual(await held(), ['pxe-host:kvm03']);
    await removePxeHost(context, 'kvm03');
    assert.deepEqual(await held(), []);
  });
}

describe('PXE records on SQLite', () => {
  const dir = mkdtempSync(join(work, 'sqlite-'));
  let n = 0;
  definePxeSuite(() => openStore(join(dir, `t${++n}.db`)));
});

describe('PXE records on PostgreSQL', () => {
  let server: PostgresServer;
  let n = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server.stop());
  // PostgreSQL's key file lives in the current folder: run from a temporary one.
  const cwd = process.cwd();
  before(() => process.chdir(mkdtempSync(join(work, 'pg-cwd-'))));
  after(() => process.chdir(cwd));
  definePxeSuite(async () => openStore(await server.createDatabase(`pxe${++n}`)));
});

describe('installer images', () => {
  let store: Store;
  let context: Context;
  before(async () => {
    store = await openStore(join(work, 'images.db'));
    context = makeContext(store, 'test');
  });
  after(() => store.close());

  /** Adding the folder is refused with a message matching `message`, and nothing is written. */
  async function refused(input: { kind: string; from: string; kernel?: string; initrd?: string }, message: RegExp): Promise<void> {
    const before = await counts(context);
    const error = await refusal(addPxeImage(context, { name: `image-${folders}`, ...input }));
    assert.match(error.message, message);
    assert.deepEqual(await counts(context), before);
  }

  it('reads boot.cfg as mboot does: settings, modules split on ---, leading / removed', () => {
    assert.deepEqual(parseEsxiBootConfig('kernel=/b.b00\nkernelopt=runweasel ks=cdrom:/KS.CFG\nprefix=esxi7\nmodules=/jumpstrt.gz --- useropts.gz --- /sub/k.b00\n'), {
      prefix: 'esxi7',
      kernel: 'b.b00',
      kernelopt: 'runweasel ks=cdrom:/KS.CFG',
      modules: ['jumpstrt.gz', 'useropts.gz', 'sub/k.b00'],
    });
  });

  it('records an ESXi installer with every file its boot.cfg names, and a Debian netboot tree', async () => {
    const esxi = await addPxeImage(context, { name: 'esxi7', kind: 'esxi', from: ESXI });
    assert.deepEqual([esxi.kind, esxi.path, esxi.kernel, esxi.initrd], ['esxi', ESXI, null, null]);
    const named = await addPxeImage(context, { name: 'debian-named', kind: 'linux', from: DEBIAN, kernel: '/debian-installer/amd64/linux', initrd: 'debian-installer/amd64/initrd.gz' });
    assert.deepEqual([named.kernel, named.initrd], ['debian-installer/amd64/linux', 'debian-installer/amd64/initrd.gz']);
    const uefiOnly = installerCopy(ESXI, (dir) => {
      rmSync(join(dir, 'mboot.c32'));
      rmSync(join(dir, 'efi'), { recursive: true });
      writeFileSync(join(dir, 'mboot.efi'), 'renamed bootx64.efi');
    });
    await addPxeImage(context, { name: 'esxi7-uefi', kind: 'esxi', from: uefiOnly });
    assert.deepEqual((await listPxeImages(context)).map((image) => image.name), ['debian-named', 'esxi7', 'esxi7-uefi']);
    const error = await refusal(addPxeImage(context, { name: 'esxi7', kind: 'esxi', from: ESXI }));
    assert.deepEqual([error.kind, error.message], ['conflict', "name: an image named 'esxi7' already exists"]);
  });

  it('lists exactly the files an ESXi installer is missing', async () => {
    const broken = installerCopy(ESXI, (dir) => {
      for (const file of ['k.b00', 'imgdb.tgz', 'mboot.c32']) rmSync(join(dir, file));
      rmSync(join(dir, 'efi'), { recursive: true });
    });
    await refused({ kind: 'esxi', from: broken }, new RegExp(`^from: installer folder ${broken} is missing k\\.b00 \\(named by boot\\.cfg\\), imgdb\\.tgz \\(named by boot\\.cfg\\), a loader: mboot\\.c32 \\(BIOS\\) or efi/boot/bootx64\\.efi / mboot\\.efi \\(UEFI\\)$`));
    const noConfig = installerCopy(ESXI, (dir) => rmSync(join(dir, 'boot.cfg')));
    await refused({ kind: 'esxi', from: noConfig }, /is missing boot\.cfg \(the ESXi boot configuration\)$/);
    const upperCase = installerCopy(ESXI, (dir) => renameSync(join(dir, 'k.b00'), join(dir, 'K.B00')));
    await refused({ kind: 'esxi', from: upperCase }, /is missing k\.b00 \(found 'K\.B00': TFTP names are case-sensitive; copy the installer with lower-case names\) \(named by boot\.cfg\)$/);
    await refused({ kind: 'esxi', from: join(work, 'no-such-folder') }, /^from: .*no-such-folder is not a folder/);
    await refused({ kind: 'esxi', from: join(ESXI, 'boot.cfg') }, /^from: .*boot\.cfg is not a folder/);
    await refused({ kind: 'esxi', from: ESXI, kernel: 'b.b00' }, /^kernel: is for Linux images/);
    await refused({ kind: 'windows', from: ESXI }, /^kind: "windows" is not allowed: use one of esxi, linux$/);
  });

  it('refuses a hostile or malformed boot.cfg at its line', async () => {
    const withConfig = (text: string) => installerCopy(ESXI, (dir) => writeFileSync(join(dir, 'boot.cfg'), text));
    await refused({ kind: 'esxi', from: withConfig('kernel=/b.b00\nmodules=/jumpstrt.gz --- /../../../etc/shadow\n') }, /^boot\.cfg:2: module '\/\.\.\/\.\.\/\.\.\/etc\/shadow' is not a file inside the installer folder/);
    await refused({ kind: 'esxi', from: withConfig('title=x\nkernel=../b.b00\n') }, /^boot\.cfg:2: kernel '\.\.\/b\.b00' is not a file inside the installer folder/);
    await refused({ kind: 'esxi', from: withConfig('kernel=/b.b00\nthis line has no setting\n') }, /^boot\.cfg:2: 'this line has no setting' is not a setting: boot\.cfg lines are key=value/);
    await refused({ kind: 'esxi', from: withConfig('title=no kernel\nmodules=/k.b00\n') }, /^boot\.cfg: has no kernel= line/);
    await refused({ kind: 'esxi', from: withConfig(`kernel=/b.b00\n#${'x'.repeat(70_000)}\n`) }, /^boot\.cfg: is 70\d{3} bytes; a boot\.cfg is a few hundred/);
    // The PXE server serves image files to any client: a link out of the folder would publish its target.
    const linkedOut = installerCopy(ESXI, (dir) => {
      rmSync(join(dir, 'k.b00'));
      symlinkSync('/etc/passwd', join(dir, 'k.b00'));
    });
    await refused({ kind: 'esxi', from: linkedOut }, /^from: k\.b00 in .* leads out of the folder, to \/etc\/passwd; the PXE server serves image files to any client/);
    const linkedIn = installerCopy(ESXI, (dir) => {
      renameSync(join(dir, 'k.b00'), join(dir, 'k.real'));
      symlinkSync('k.real', join(dir, 'k.b00'));
    });
    assert.equal((await addPxeImage(context, { name: 'linked-inside', kind: 'esxi', from: linkedIn })).name, 'linked-inside');
  });

  it('lists what a Linux installer is missing, and refuses paths outside it', async () => {
    const noInitrd = installerCopy(DEBIAN, (dir) => rmSync(join(dir, 'debian-installer/amd64/initrd.gz')));
    await refused({ kind: 'linux', from: noInitrd }, /is missing a initrd \(initrd\.img or initrd\.gz, in the folder or images\/pxeboot, casper, install\.amd, debian-installer\/amd64; or name it with --initrd\)$/);
    await refused({ kind: 'linux', from: DEBIAN, kernel: 'vmlinuz-6.1' }, /is missing vmlinuz-6\.1 \(--kernel\)$/);
    await refused({ kind: 'linux', from: DEBIAN, initrd: '../../esxi/b.b00' }, /^initrd: '\.\.\/\.\.\/esxi\/b\.b00' is not a file inside the installer folder/);
  });
});

describe('hostwire pxe CLI', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');
  const db = join(work, 'cli.db');
  const hostwire = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const json = (...args: string[]) => {
    const result = hostwire(...args, '--json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  };

  before(async () => {
    const store = await openStore(db);
    await createWire(makeContext(store, 'test'), { name: 'dc1' });
    await createSubnet(makeContext(store, 'test'), { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100, gateway: '10.1.1.1', domain: 'dc1.example.net', pools: ['10.1.1.50-10.1.1.59'] });
    await store.close();
  });

  it('adds images and hosts, lists, shows and removes them with the JSON contract', () => {
    assert.deepEqual(json('pxe', 'image', 'add', 'esxi7', '--kind', 'esxi', '--from', ESXI).path, ESXI);
    assert.equal(hostwire('pxe', 'image', 'add', 'debian12', '--kind', 'linux', '--from', DEBIAN).code, 0);
    assert.deepEqual(json('pxe', 'image', 'list').map((image: { name: string; kernel: string | null }) => [image.name, image.kernel]), [['debian12', 'debian-installer/amd64/linux'], ['esxi7', null]]);

    const added = json('pxe', 'host', 'add', 'esx07', '--mac', '00:50:56:aa:bb:07', '--subnet', 'mgmt', '--image', 'esxi7', '--boot', 'uefi');
    assert.deepEqual({ ...added, createdAt: undefined }, { name: 'esx07', mac: '00:50:56:aa:bb:07', subnet: 'mgmt', address: '10.1.1.50', boot: 'uefi', image: 'esxi7', hostname: 'esx07.dc1.example.net', vlan: 100, createdAt: undefined });
    const plain = hostwire('pxe', 'host', 'add', 'esx08', '--mac', '00:50:56:aa:bb:08', '--subnet', 'mgmt', '--image', 'esxi7', '--ip', '10.1.1.57');
    assert.equal(plain.stdout, 'added PXE host esx08: 00:50:56:aa:bb:08 -> 10.1.1.57 (mgmt, VLAN 100), auto boot of esxi7\n');
    assert.deepEqual(json('ip', 'list', '--subnet', 'mgmt').map((record: { address: string; owner: string }) => [record.address, record.owner]), [['10.1.1.1', 'gateway'], ['10.1.1.50', 'pxe-host:esx07'], ['10.1.1.57', 'pxe-host:esx08']]);

    assert.deepEqual(json('pxe', 'host', 'list').map((host: { name: string; address: string }) => [host.name, host.address]), [['esx07', '10.1.1.50'], ['esx08', '10.1.1.57']]);
    const table = hostwire('pxe', 'host', 'list').stdout.split('\n');
    assert.match(table[0]!, /^NAME\s+MAC\s+ADDRESS\s+SUBNET\s+VLAN\s+BOOT\s+IMAGE\s+HOSTNAME$/);
    assert.match(table[1]!, /^esx07\s+00:50:56:aa:bb:07\s+10\.1\.1\.50\s+mgmt\s+100\s+uefi\s+esxi7\s+esx07\.dc1\.example\.net$/);
    assert.deepEqual(json('pxe', 'host', 'show', 'esx07').progress, []);
    assert.match(hostwire('pxe', 'host', 'show', 'esx07').stdout, /^address\s+10\.1\.1\.50$/m);

    assert.equal(hostwire('pxe', 'host', 'remove', 'esx08').stdout, 'removed PXE host esx08; released 10.1.1.57\n');
    assert.deepEqual(json('ip', 'list', '--subnet', 'mgmt').map((record: { address: string }) => record.address), ['10.1.1.1', '10.1.1.50']);
  });

  /** The store's counts, read in this process between CLI runs. */
  async function storeCounts() {
    const store = await openStore(db);
    try {
      return await counts(makeContext(store, 'test'));
    } finally {
      await store.close();
    }
  }

  it('exits 2 for bad input, 3 for a conflict, 4 for an unknown object, and writes nothing', async () => {
    const before = await storeCounts();
    const add = (...args: string[]) => hostwire('pxe', 'host', 'add', 'esx09', '--subnet', 'mgmt', '--image', 'esxi7', ...args);
    const cases: [ReturnType<typeof hostwire>, number, RegExp][] = [
      [add('--mac', '00:50:56:AA:BB:07'), 3, /^error: mac: 00:50:56:aa:bb:07 is already PXE host 'esx07''s/],
      [add('--mac', 'zz:50:56:aa:bb:09'), 2, /^error: mac: 'zz:50:56:aa:bb:09' is not a MAC address/],
      [add('--mac', '00:50:56:aa:bb:09', '--ip', '10.9.9.9'), 2, /^error: ip: 10\.9\.9\.9 is outside subnet 'mgmt'/],
      [add('--mac', '00:50:56:aa:bb:09', '--vlan', '5000'), 2, /^error: vlan: "5000" is not allowed/],
      [hostwire('pxe', 'host', 'add', 'esx09', '--mac', '00:50:56:aa:bb:09', '--subnet', 'nowhere', '--image', 'esxi7'), 4, /^error: subnet 'nowhere' does not exist/],
      [add('--mac', '00:50:56:aa:bb:09', '--boot', 'pxe'), 2, /^error: boot: "pxe" is not allowed/],
      [hostwire('pxe', 'host', 'add', 'esx09', '--subnet', 'mgmt', '--image', 'esxi7'), 2, /required option '--mac <mac>' not specified/],
      [hostwire('pxe', 'host', 'remove', 'nobody'), 4, /^error: PXE host 'nobody' does not exist/],
      [hostwire('pxe', 'image', 'add', 'broken', '--kind', 'linux', '--from', ESXI), 2, /^error: from: installer folder .* is missing a kernel .*, a initrd/],
    ];
    for (const [result, code, message] of cases) {
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
    }
    assert.deepEqual(await storeCounts(), before);
  });
});

describe('PXE API', () => {
  let store: Store;
  let server: RunningServer;
  const tokens = { admin: '', operator: '', viewer: '' };

  before(async () => {
    store = await openStore(join(work, 'api.db'));
    const context = makeContext(store, 'test');
    await createWire(context, { name: 'dc1' });
    await createSubnet(context, { name: 'mgmt', wire: 'dc1', cidr: '10.1.1.0/24', vlan: 100, pools: ['10.1.1.50-10.1.1.59'] });
    for (const role of ['admin', 'operator', 'viewer'] as const) tokens[role] = (await createToken(context, { role, name: `${role}-tok` })).token;
    server = await startServer({ store, listen: { host: '127.0.0.1', port: 0 }, log: () => undefined });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  async function call(method: string, path: string, role: keyof typeof tokens | null, body?: unknown) {
    const headers: Record<string, string> = role ? { authorization: `Bearer ${tokens[role]}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  it('lets operators add and remove, viewers read, and nobody in without a token', async () => {
    const image = { name: 'esxi7', kind: 'esxi', from: ESXI };
    const host = { name: 'esx07', mac: '00:50:56:aa:bb:07', subnet: 'mgmt', image: 'esxi7' };
    assert.equal((await call('POST', '/api/v1/pxe/images', 'viewer', image)).status, 403);
    assert.equal((await call('POST', '/api/v1/pxe/images', 'operator', image)).status, 201);
    assert.match((await call('POST', '/api/v1/pxe/hosts', 'viewer', host)).body.detail, /role viewer; this needs operator/);
    const created = await call('POST', '/api/v1/pxe/hosts', 'operator', host);
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.address, created.body.vlan, created.body.hostname], ['10.1.1.50', 100, 'esx07']);

    assert.deepEqual((await call('GET', '/api/v1/pxe/hosts', 'viewer')).body.items.map((item: { name: string }) => item.name), ['esx07']);
    assert.deepEqual((await call('GET', '/api/v1/pxe/images', 'viewer')).body.items.map((item: { name: string }) => item.name), ['esxi7']);
    assert.deepEqual((await call('GET', '/api/v1/pxe/hosts/esx07', 'viewer')).body.progress, []);
    await recordBootStep(makeContext(store, 'pxe-server'), 'esx07', 'dhcp-offered', 'DHCPOFFER 10.1.1.50');
    assert.deepEqual((await call('GET', '/api/v1/pxe/status', 'viewer')).body.items.map((item: { host: string; step: string }) => [item.host, item.step]), [['esx07', 'dhcp-offered']]);
    assert.equal((await call('GET', '/api/v1/pxe/status', null)).status, 401);

    const duplicate = await call('POST', '/api/v1/pxe/hosts', 'operator', { ...host, name: 'esx08' });
    assert.deepEqual([duplicate.status, duplicate.body.errors], [409, [{ path: 'mac', message: "mac: 00:50:56:aa:bb:07 is already PXE host 'esx07''s; each MAC gets one DHCP entry" }]]);
    assert.equal((await call('POST', '/api/v1/pxe/hosts', 'operator', { ...host, name: 'esx09', token: 'x' })).status, 400);
    assert.equal((await call('GET', '/api/v1/pxe/hosts/nobody', 'viewer')).status, 404);

    assert.equal((await call('DELETE', '/api/v1/pxe/hosts/esx07', 'viewer')).status, 403);
    assert.equal((await call('DELETE', '/api/v1/pxe/hosts/esx07', 'operator')).status, 200);
    assert.deepEqual((await call('GET', '/api/v1/pxe/hosts', 'viewer')).body.items, []);
  });
});
