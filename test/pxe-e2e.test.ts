/**
 * `hostwire pxe serve` end to end, with real clients in network namespaces (traffic never leaves
 * them): busybox udhcpc leases, tftp-hpa fetches, QEMU's iPXE firmware boots through pxelinux to
 * the host's per-MAC entry (its image's mboot.c32 is syslinux's poweroff.c32 here, so the VM
 * switches itself off), curl fetches kickstarts. Records are made with the real CLI; `pxe status`
 * shows the boot steps. Also: records changing under a running server, dnsmasq dying, refusals.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderPxeTree } from '../src/pxe/render/index.ts';
import { BOOT_STEPS } from '../src/pxe/model.ts';
import { pxeRenderInput, pxeToken } from '../src/services/pxe.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import { pxeBoot, requestLease, startPxeSegment, stopChild, stopPxeSegments, tftpGet, type PxeSegment } from './support/pxe-netns.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hostwire.js');
const SERVER = '192.168.77.1';
const HTTP_PORT = 8081;
const SYSLINUX_MODULES = '/usr/lib/syslinux/modules/bios';

const hosts = {
  esx07: { mac: '52:54:00:77:00:07' }, // booted by QEMU
  esx08: { mac: '52:54:00:77:00:08' }, // leased by udhcpc, fetched by tftp and curl
};
const UNKNOWN_MAC = '52:54:00:77:00:99';

let segment: PxeSegment;
let db: string;
let state: string;
let serve: ChildProcess;
let serveLog = '';

function hostwire(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function json<T = any>(...args: string[]): T {
  const result = hostwire(...args, '--json');
  assert.equal(result.code, 0, `hostwire ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries until `attempt` returns non-null, for things that settle a moment after the request (a restart, a reload). */
async function eventually<T>(what: string, attempt: () => T | null, tries = 20): Promise<T> {
  for (let tried = 1; ; tried++) {
    const result = attempt();
    if (result !== null) return result;
    if (tried >= tries) throw new Error(`${what}: still not so after ${tries} tries\n--- pxe serve said:\n${serveLog}`);
    await sleep(500);
  }
}

/** Starts `pxe serve` in the server namespace; resolves when it says it serves, rejects with what it printed if it exits. */
function startServe(extra: string[] = []): Promise<{ child: ChildProcess; output: () => string }> {
  const child = segment.server.start(process.execPath, [BIN, '--db', db, 'pxe', 'serve', '--interface', segment.serverInterface, '--state', state, '--http-port', String(HTTP_PORT), ...extra]);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (output.includes('hostwire pxe serving')) {
        clearInterval(check);
        resolve({ child, output: () => output });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(Object.assign(new Error(`pxe serve exited ${code}:\n${output}`), { code, output }));
    });
  });
}

/** HTTP from the client namespace (from `nic`'s address), as an installer would ask: status code and body. */
function httpGet(nic: string, path: string): { status: number; body: string } {
  const output = segment.client.run('curl', ['-s', '--path-as-is', '--interface', nic, '-w', '\n%{http_code}', `http://${SERVER}:${HTTP_PORT}${path}`], { timeout: 30_000 });
  const at = output.lastIndexOf('\n');
  return { status: Number(output.slice(at + 1)), body: output.slice(0, at) };
}

/** An ESXi installer folder as `pxe image add` checks it; its mboot.c32 is syslinux's poweroff.c32, so a PXE boot ends with the VM off. */
function fakeEsxiImage(dir: string): string {
  mkdirSync(join(dir, 'efi', 'boot'), { recursive: true });
  const modules = ['jumpstrt.gz', 'useropts.gz', 'features.gz', 'k.b00', 's.v00'];
  writeFileSync(join(dir, 'boot.cfg'), ['bootstate=0', 'title=Loading ESXi installer', 'timeout=5', 'prefix=', 'kernel=/b.b00', 'kernelopt=runweasel cdromBoot', `modules=${modules.map((module) => `/${module}`).join(' --- ')}`, 'build=8.0.3-0.0.24022510', 'updated=0', ''].join('\n'));
  for (const file of ['b.b00', ...modules]) writeFileSync(join(dir, file), `placeholder ${file}\n`);
  writeFileSync(join(dir, 'efi', 'boot', 'bootx64.efi'), 'placeholder UEFI loader\n');
  copyFileSync(join(SYSLINUX_MODULES, 'poweroff.c32'), join(dir, 'mboot.c32'));
  return dir;
}

/** The PID of the dnsmasq `pxe serve` runs (its child), from /proc. */
function dnsmasqChildOf(parent: number): number | null {
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces, so read around its parentheses.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === 'dnsmasq' && ppid === parent) return Number(entry);
  }
  return null;
}

describe('hostwire pxe serve, end to end in network namespaces', () => {
  const addresses = { esx07: '', esx08: '' };
  /** The udhcpc client NIC with esx08's MAC. */
  let esx08Nic: string;
  /** A client NIC holding esx08's address, for TFTP and HTTP. */
  let esx08Addressed: string;

  before(async () => {
    segment = startPxeSegment('e2e', `${SERVER}/24`);
    db = join(segment.dir, 'hostwire.db');
    state = join(segment.dir, 'state');
    const image = fakeEsxiImage(join(segment.dir, 'esxi8'));
    for (const args of [
      ['wire', 'create', 'lab'],
      ['subnet', 'create', 'lab-mgmt', '--wire', 'lab', '--cidr', '192.168.77.0/24', '--vlan', '120', '--gateway', SERVER, '--dns', SERVER, '--domain', 'lab.example.net', '--pool', '192.168.77.50-192.168.77.99'],
      ['pxe', 'image', 'add', 'esxi8', '--kind', 'esxi', '--from', image],
    ]) {
      const result = hostwire(...args);
      assert.equal(result.code, 0, `hostwire ${args.join(' ')}: ${result.stderr}`);
    }
    for (const [name, { mac }] of Object.entries(hosts) as [keyof typeof hosts, { mac: string }][]) {
      addresses[name] = json<{ address: string }>('pxe', 'host', 'add', name, '--mac', mac, '--subnet', 'lab-mgmt', '--image', 'esxi8', '--boot', 'bios').address;
    }
    const started = await startServe(['--once']);
    serve = started.child;
    serve.stdout!.on('data', (chunk: Buffer) => (serveLog += chunk.toString()));
    serve.stderr!.on('data', (chunk: Buffer) => (serveLog += chunk.toString()));
  });

  after(async () => {
    if (serve) await stopChild(serve);
    await stopPxeSegments();
  });

  it('leases a provisioned MAC exactly its IPAM address with the boot file and next-server; an unknown MAC gets nothing', () => {
    assert.deepEqual(addresses, { esx07: '192.168.77.50', esx08: '192.168.77.51' });
    esx08Nic = segment.addClientNic(hosts.esx08.mac);
    // Option 93 = 0: a BIOS PXE client, which esx08 (--boot bios) is served pxelinux.0 for.
    assert.deepEqual(requestLease(segment, esx08Nic, 0), { ip: addresses.esx08, nextServer: SERVER, bootFile: 'pxelinux.0', hostname: 'esx08' });
    // A client that does not say its architecture is no PXE firmware: an address, no boot file.
    assert.deepEqual(requestLease(segment, esx08Nic), { ip: addresses.esx08, nextServer: SERVER, bootFile: '', hostname: 'esx08' });
    assert.equal(requestLease(segment, segment.addClientNic(UNKNOWN_MAC), 0), null);
  });

  it('serves the rendered per-MAC pxelinux entry and boot.cfg over TFTP', async () => {
    esx08Addressed = segment.addClientNic('52:54:00:77:00:58');
    segment.client.run('ip', ['addr', 'add', `${addresses.esx08}/24`, 'dev', esx08Addressed]);
    const store = await openStore(db);
    try {
      const context = makeContext(store, 'test');
      const rendered = renderPxeTree(await pxeRenderInput(context, { server: { address: SERVER, httpPort: HTTP_PORT, interface: segment.serverInterface }, allowUnknown: false, dns: false, rootPasswordHash: null }), state);
      const expected = (path: string) => rendered.find((file) => file.path === `tftp/${path}`)!.content;
      const entry = 'pxelinux.cfg/01-52-54-00-77-00-08';
      assert.equal(tftpGet(segment, SERVER, entry), expected(entry));
      assert.match(expected(entry), /^\s*KERNEL images\/esxi8\/mboot\.c32$/m);
      const bootCfg = tftpGet(segment, SERVER, '01-52-54-00-77-00-08/boot.cfg');
      assert.equal(bootCfg, expected('01-52-54-00-77-00-08/boot.cfg'));
      const token = await pxeToken(context, 'esx08');
      assert.match(bootCfg, new RegExp(`^kernelopt=runweasel ks=http://${SERVER.replaceAll('.', '\\.')}:${HTTP_PORT}/ks/esx08\\?token=${token} netdevice=${hosts.esx08.mac}$`, 'm'));
      // The image is linked into the tree, not copied: its files come through TFTP as they are.
      assert.equal(tftpGet(segment, SERVER, 'images/esxi8/k.b00'), 'placeholder k.b00\n');
    } finally {
      await store.close();
    }
  });

  it('serves a kickstart only with its own token, with the IPAM address and VLAN on its network line', async () => {
    const store = await openStore(db);
    const context = makeContext(store, 'test');
    const [token07, token08] = [await pxeToken(context, 'esx07'), await pxeToken(context, 'esx08')];
    await store.close();
    const served = httpGet(esx08Addressed, `/ks/esx08?token=${token08}`);
    assert.equal(served.status, 200);
    const network = served.body.split('\n').filter((line) => line.startsWith('network '));
    assert.equal(network.length, 1, served.body);
    assert.match(network[0]!, new RegExp(`--ip=${addresses.esx08.replaceAll('.', '\\.')}(\\s|$)`));
    assert.match(network[0]!, /--netmask=255\.255\.255\.0(\s|$)/);
    assert.match(network[0]!, /--vlanid=120(\s|$)/);
    assert.match(network[0]!, /--hostname=esx08\.lab\.example\.net(\s|$)/);
    for (const refused of ['/ks/esx08', '/ks/esx08?token=', `/ks/esx08?token=${token07}`, `/ks/esx08?token=${token08.slice(0, -1)}`, `/ks/nosuch?token=${token08}`, '/../../etc/passwd', '/images/../../../etc/passwd']) {
      assert.equal(httpGet(esx08Addressed, refused).status, 404, refused);
    }
    assert.deepEqual(httpGet(esx08Addressed, '/images/esxi8/s.v00'), { status: 200, body: 'placeholder s.v00\n' });
  });

  it('PXE-boots a QEMU PC through pxelinux to its per-MAC entry, and pxe status shows every step in order', async () => {
    const boot = await pxeBoot(segment, hosts.esx07.mac);
    assert.ok(boot.poweredOff, `the VM did not power off by itself:\n${boot.console.slice(-3000)}\n--- pxe serve said:\n${serveLog}`);
    // What the installer would do next: fetch its kickstart (from a client with the host's address).
    const nic = segment.addClientNic('52:54:00:77:00:57');
    segment.client.run('ip', ['addr', 'add', `${addresses.esx07}/24`, 'dev', nic]);
    const store = await openStore(db);
    const token = await pxeToken(makeContext(store, 'test'), 'esx07');
    await store.close();
    const entry = 'pxelinux.cfg/01-52-54-00-77-00-07';
    assert.match(tftpGet(segment, SERVER, entry), /^\s*KERNEL images\/esxi8\/mboot\.c32$/m);
    assert.equal(httpGet(nic, `/ks/esx07?token=${token}`).status, 200);
    const status = await eventually('all four steps of esx07', () => {
      const entry = json<{ host: string; steps: { step: string; at: string; detail: string }[] }[]>('pxe', 'status').find((host) => host.host === 'esx07');
      return entry && entry.steps.length === BOOT_STEPS.length ? entry : null;
    });
    assert.deepEqual(status.steps.map((step) => step.step), [...BOOT_STEPS]);
    assert.deepEqual(status.steps.slice(1).map((step) => step.detail), ['pxelinux.0', 'pxelinux.cfg/01-52-54-00-77-00-07', `GET /ks/esx07 from ${addresses.esx07}`]);
    assert.match(status.steps[0]!.detail, new RegExp(`^DHCP(OFFER|ACK) ${addresses.esx07.replaceAll('.', '\\.')}$`));
    const times = status.steps.map((step) => Date.parse(step.at));
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    // --once: the kickstart was fetched, so the host's next network boot goes to its disk (esx08's too, fetched above).
    await eventually('esx07 switched to local boot', () => (/^\s*LOCALBOOT 0$/m.test(tftpGet(segment, SERVER, entry)) ? true : null));
    assert.equal(tftpGet(segment, SERVER, entry), tftpGet(segment, SERVER, 'pxelinux.cfg/01-52-54-00-77-00-08'));
    assert.doesNotMatch(tftpGet(segment, SERVER, entry), /KERNEL/);
    const table = hostwire('pxe', 'status');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^HOST\s+STEP\s+AT\s+DETAIL$/m);
    assert.match(table.stdout, /^esx07\s+kickstart-fetched\s+\S+\s+GET \/ks\/esx07/m);
  });

  it('follows the records: a host added while serving gets its lease, a removed one loses it', async () => {
    const mac = '52:54:00:77:00:09';
    // --boot auto: the loader follows the firmware's option 93, VMware's per-MAC mboot.efi for UEFI.
    const added = json<{ address: string }>('pxe', 'host', 'add', 'esx09', '--mac', mac, '--subnet', 'lab-mgmt', '--image', 'esxi8', '--boot', 'auto');
    const nic = segment.addClientNic(mac);
    const lease = await eventually('a lease for the new host', () => requestLease(segment, nic, 7));
    assert.deepEqual(lease, { ip: added.address, nextServer: SERVER, bootFile: '01-52-54-00-77-00-09/mboot.efi', hostname: 'esx09' });
    assert.equal(requestLease(segment, nic, 0)?.bootFile, 'pxelinux.0');
    assert.equal(hostwire('pxe', 'host', 'remove', 'esx09').code, 0);
    assert.equal(await eventually('no lease for the removed host', () => (requestLease(segment, nic, 0) === null ? true : null)), true);
    assert.throws(() => tftpGet(segment, SERVER, 'pxelinux.cfg/01-52-54-00-77-00-09'), /not found/);
  });

  it('restarts dnsmasq when it dies', async () => {
    const first = dnsmasqChildOf(serve.pid!);
    assert.ok(first, 'pxe serve runs dnsmasq as its child');
    process.kill(first, 'SIGKILL');
    const second = await eventually('a new dnsmasq', () => {
      const pid = dnsmasqChildOf(serve.pid!);
      return pid !== null && pid !== first ? pid : null;
    });
    assert.notEqual(second, first);
    assert.equal((await eventually('a lease after the restart', () => requestLease(segment, esx08Nic, 0))).ip, addresses.esx08);
    assert.match(serveLog, /dnsmasq exited \(SIGKILL\); restarting/);
  });

  it('refuses an interface that does not exist, and shows why dnsmasq failed to start', async () => {
    const missing = hostwire('pxe', 'serve', '--interface', 'nosuch0', '--state', join(segment.dir, 'other'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: interface: there is no network interface 'nosuch0' here \(interfaces: /m);
    // A state folder dnsmasq cannot read once it has dropped root for nobody.
    const locked = join(segment.dir, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    const failed = await startServe(['--http-port', String(HTTP_PORT + 1), '--state', join(locked, 'state')]).then(
      () => assert.fail('pxe serve started with a TFTP root dnsmasq cannot read'),
      (error: { code: number; output: string }) => error,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.output, /^error: dnsmasq failed to start \(exit 3\):\n/m);
    assert.match(failed.output, new RegExp(`TFTP directory ${locked}/state/tftp inaccessible: Permission denied`));
    assert.match(failed.output, /FAILED to start up/);
  });
});
