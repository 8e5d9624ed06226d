/**
 * A PXE segment for end-to-end tests, made of two network namespaces: the server's, with one veth
 * end carrying the server address, and the clients', where the other veth end sits in a bridge
 * together with one veth per DHCP client (each with the MAC under test) and taps for QEMU. Traffic
 * never leaves the two namespaces. Also the real clients: busybox udhcpc, tftp-hpa and QEMU's iPXE.
 */
import { execFileSync, spawn, type ExecFileSyncOptions, type SpawnOptions, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Namespace {
  name: string;
  /** Runs a command in the namespace; returns stdout, throws on a non-zero exit. */
  run(command: string, args: string[], options?: ExecFileSyncOptions): string;
  /** Starts a long-running command in the namespace. */
  start(command: string, args: string[], options?: SpawnOptions): ChildProcess;
}

export interface PxeSegment {
  server: Namespace;
  client: Namespace;
  /** The server's interface (in the server namespace), which carries `serverAddress`. */
  serverInterface: string;
  serverAddress: string;
  /** A client NIC with this MAC on the clients' bridge; returns its name in the client namespace. */
  addClientNic(mac: string): string;
  /** A tap on the clients' bridge, for QEMU's `-netdev tap`; returns its name. */
  addTap(): string;
  /** A scratch folder removed with the segment. */
  dir: string;
}

const segments: { namespaces: string[]; dir: string; children: ChildProcess[] }[] = [];

function namespace(name: string, children: ChildProcess[]): Namespace {
  return {
    name,
    run: (command, args, options = {}) =>
      execFileSync('ip', ['netns', 'exec', name, command, ...args], { encoding: 'utf8', stdio: 'pipe', ...options }).toString(),
    start: (command, args, options = {}) => {
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], { stdio: 'pipe', ...options });
      children.push(child);
      return child;
    },
  };
}

/** Creates the two namespaces; `serverCidr` (e.g. `10.77.0.1/24`) goes on the server's veth end. */
export function startPxeSegment(label: string, serverCidr: string): PxeSegment {
  const names = [`hw-${label}-srv-${process.pid}`, `hw-${label}-cli-${process.pid}`];
  const children: ChildProcess[] = [];
  const record = { namespaces: [] as string[], dir: mkdtempSync(join(tmpdir(), `hostwire-pxe-${label}-`)), children };
  // dnsmasq drops root for `nobody`, which must still read the TFTP tree kept under this folder.
  chmodSync(record.dir, 0o755);
  segments.push(record);
  for (const name of names) {
    execFileSync('ip', ['netns', 'add', name]);
    record.namespaces.push(name);
  }
  const [server, client] = names.map((name) => namespace(name, children)) as [Namespace, Namespace];
  const serverInterface = 'pxe0';
  // Both ends are created directly in their namespaces, so no name is ever taken in the host's.
  execFileSync('ip', ['link', 'add', serverInterface, 'netns', server.name, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', client.name]);
  server.run('ip', ['link', 'set', 'lo', 'up']);
  server.run('ip', ['addr', 'add', serverCidr, 'dev', serverInterface]);
  server.run('ip', ['link', 'set', serverInterface, 'up']);
  client.run('ip', ['link', 'set', 'lo', 'up']);
  client.run('ip', ['link', 'add', 'clients', 'type', 'bridge']);
  client.run('ip', ['link', 'set', 'clients', 'up']);
  const attach = (port: string) => {
    client.run('ip', ['link', 'set', port, 'master', 'clients']);
    client.run('ip', ['link', 'set', port, 'up']);
  };
  attach('uplink');
  let nics = 0;
  let taps = 0;
  return {
    server,
    client,
    serverInterface,
    serverAddress: serverCidr.split('/')[0]!,
    dir: record.dir,
    addClientNic(mac) {
      const nic = `nic${nics++}`;
      client.run('ip', ['link', 'add', nic, 'address', mac, 'type', 'veth', 'peer', 'name', `${nic}p`]);
      attach(`${nic}p`);
      client.run('ip', ['link', 'set', nic, 'up']);
      return nic;
    },
    addTap() {
      const tap = `tap${taps++}`;
      client.run('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      attach(tap);
      return tap;
    },
  };
}

/** Kills what the segments started, deletes their namespaces and folders; call from `after`. */
export async function stopPxeSegments(): Promise<void> {
  for (const { namespaces, dir, children } of segments.splice(0)) {
    await Promise.all(children.map(stopChild));
    for (const name of namespaces) if (existsSync(join('/run/netns', name))) execFileSync('ip', ['netns', 'delete', name]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL if it is still there after five seconds. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface Lease {
  ip: string;
  /** The next-server (siaddr) and boot file name the offer carried. */
  nextServer: string;
  bootFile: string;
  hostname: string;
}

/**
 * busybox udhcpc on `nic`: a few quick tries, no background, and a script of our own that only
 * prints the lease, so nothing on the machine is configured. Null when no server answered. With
 * `clientArch`, it sends DHCP option 93 as PXE firmware does (0 BIOS, 7 x86-64 UEFI).
 */
export function requestLease(segment: PxeSegment, nic: string, clientArch?: number): Lease | null {
  const script = join(segment.dir, 'udhcpc-script');
  writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && echo "LEASE ip=$ip siaddr=$siaddr boot_file=$boot_file hostname=$hostname"\nexit 0\n', { mode: 0o755 });
  let output: string;
  try {
    const arch = clientArch === undefined ? [] : ['-x', `0x5d:${clientArch.toString(16).padStart(4, '0')}`];
    output = segment.client.run('busybox', ['udhcpc', '-i', nic, '-f', '-q', '-n', '-t', '3', '-T', '1', ...arch, '-s', script], { timeout: 30_000 });
  } catch (error) {
    // -n: exit 1 when no lease was obtained; anything else is a real failure.
    if ((error as { status?: number }).status === 1) return null;
    throw error;
  }
  const line = output.split('\n').find((text) => text.startsWith('LEASE '));
  if (line === undefined) throw new Error(`udhcpc exited 0 without a lease:\n${output}`);
  const field = (name: string) => new RegExp(`${name}=(\\S*)`).exec(line)![1]!;
  return { ip: field('ip'), nextServer: field('siaddr'), bootFile: field('boot_file'), hostname: field('hostname') };
}

let fetches = 0;

/**
 * tftp-hpa's `tftp` from the client namespace. It exits 0 and leaves an empty file even when the
 * server refused, so its report is what tells: "Error code N: ..." is thrown.
 */
export function tftpGet(segment: PxeSegment, server: string, path: string): string {
  const target = join(segment.dir, `tftp-${fetches++}`);
  const report = segment.client.run('tftp', [server, '-c', 'get', path, target], { timeout: 30_000 });
  const content = existsSync(target) ? readFileSync(target, 'utf8') : null;
  rmSync(target, { force: true });
  if (/Error code|timed out/i.test(report) || content === null) throw new Error(`tftp get ${path} from ${server}: ${report.trim() || 'no file received'}`);
  return content;
}

/**
 * Boots a QEMU PC (TCG, iPXE e1000 with `mac`) from the network on a new tap of the segment and
 * waits for it to power off by itself; kills it after `timeoutMs`. Returns its console output.
 */
export function pxeBoot(segment: PxeSegment, mac: string, timeoutMs = 180_000): Promise<{ poweredOff: boolean; console: string }> {
  const tap = segment.addTap();
  const qemu = segment.client.start('qemu-system-x86_64', [
    '-accel', 'tcg', '-nographic', '-m', '256', '-no-reboot', '-boot', 'n',
    '-netdev', `tap,id=net0,ifname=${tap},script=no,downscript=no`,
    '-device', `e1000,netdev=net0,mac=${mac}`,
  ]);
  let output = '';
  qemu.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  qemu.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL');
      resolve({ poweredOff: false, console: output });
    }, timeoutMs);
    qemu.once('error', reject);
    qemu.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ poweredOff: code === 0, console: output });
    });
  });
}
