/**
 * `hostwire pxe serve`: writes the PXE tree for the provisioning records into a state folder, runs
 * dnsmasq on it for DHCP and TFTP, serves kickstarts (behind each host's token) and the boot files
 * over HTTP, follows the records (re-rendering, and restarting dnsmasq when its configuration
 * changes), and records each host's boot progress from dnsmasq's log and its own HTTP hits.
 */
import { existsSync, readdirSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { HostwireError, invalid } from '../domain/errors.ts';
import type { RenderedFile } from '../render/files.ts';
import { listChanges } from '../services/changes.ts';
import { bootProgress, pxeRenderInput, recordBootStep, verifyPxeToken } from '../services/pxe.ts';
import type { Context } from '../store/context.ts';
import { Dnsmasq, parseDnsmasqLine, type DnsmasqEvent } from './dnsmasq.ts';
import type { BootStep, PxeRenderInput } from './model.ts';
import { renderPxeTree } from './render/index.ts';
import { BIOS_LOADER, bootsBios, bootsUefi, macFileName, TFTP_DIR, uefiLoader } from './render/layout.ts';

export interface PxeServeOptions {
  interface: string;
  /** The server's address as clients reach it; by default the interface's first IPv4 address. */
  address?: string;
  httpPort: number;
  /** The state folder: the rendered tree, dnsmasq's log and leases. */
  root: string;
  /** After a host's kickstart is fetched, its network boot entry boots the local disk instead. */
  once: boolean;
  allowUnknown: boolean;
  dns: boolean;
  rootPasswordHash: string | null;
  /** How often the change log is checked for new provisioning records. */
  pollMs?: number;
  say(line: string): void;
}

export interface PxeServer {
  address: string;
  url: string;
  stop(): Promise<void>;
}

/** The server's address on `name`, after checking the interface exists in this network namespace. */
function serverAddress(name: string, address: string | undefined): string {
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name) || !existsSync(join('/sys/class/net', name))) {
    const present = existsSync('/sys/class/net') ? readdirSync('/sys/class/net').join(', ') : 'none found';
    throw invalid('interface', `there is no network interface '${name}' here (interfaces: ${present})`);
  }
  if (address !== undefined) return address;
  const ipv4 = (networkInterfaces()[name] ?? []).find((entry) => entry.family === 'IPv4');
  if (!ipv4) throw invalid('address', `interface ${name} has no IPv4 address: give one with --address, or add one to the interface`);
  return ipv4.address;
}

/** pxelinux's entry once the host is installed: boot the first local disk. */
const LOCAL_BOOT_PXELINUX = ['# hostwire: installed; boots from the local disk (pxe serve --once)', 'DEFAULT local', 'PROMPT 0', 'LABEL local', '  LOCALBOOT 0', ''].join('\n');
/** GRUB's: leave, so the firmware goes on to its next boot entry, the disk. */
const LOCAL_BOOT_GRUB = ['# hostwire: installed; boots from the local disk (pxe serve --once)', 'exit', ''].join('\n');

/** The host's network boot entries turned to local boot; the ESXi UEFI loader has no such entry and keeps its boot.cfg. */
function bootLocally(files: RenderedFile[], mac: string): RenderedFile[] {
  const pxelinux = `${TFTP_DIR}/pxelinux.cfg/${macFileName(mac)}`;
  const grub = `${TFTP_DIR}/grub/grub.cfg-${macFileName(mac)}`;
  return files.map((file) => (file.path === pxelinux ? { ...file, content: LOCAL_BOOT_PXELINUX } : file.path === grub ? { ...file, content: LOCAL_BOOT_GRUB } : file));
}

/** Writes what changed, replaces links whose target changed, removes what is no longer rendered. */
export async function writeTree(root: string, files: RenderedFile[], previous: Set<string>): Promise<Set<string>> {
  const written = new Set<string>();
  for (const file of files) {
    const target = join(root, file.path);
    written.add(file.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const existing = await lstat(target).catch(() => null);
    if (file.symlink !== undefined) {
      if (existing?.isSymbolicLink() && (await readlink(target)) === file.symlink) continue;
      if (existing) await rm(target, { recursive: true, force: true });
      await symlink(file.symlink, target);
      continue;
    }
    if (existing?.isFile() && (await readFile(target, 'utf8')) === file.content) continue;
    if (existing) await rm(target, { recursive: true, force: true });
    // dnsmasq reads the tree as `nobody`, after dropping root.
    await writeFile(target, file.content, { mode: file.mode ?? 0o644 });
  }
  for (const path of previous) if (!written.has(path)) await unlink(join(root, path)).catch(() => undefined);
  return written;
}

interface HostIndex {
  byMac: Map<string, string>;
  byAddress: Map<string, string>;
  /** Per host: the TFTP paths of its loaders and of its configuration files. */
  loaders: Map<string, Set<string>>;
  configMarker: Map<string, string>;
}

function indexHosts(input: PxeRenderInput): HostIndex {
  const index: HostIndex = { byMac: new Map(), byAddress: new Map(), loaders: new Map(), configMarker: new Map() };
  for (const entry of input.hosts) {
    const { name, mac, address } = entry.record;
    index.byMac.set(mac, name);
    index.byAddress.set(address, name);
    index.loaders.set(name, new Set([...(bootsBios(entry) ? [BIOS_LOADER] : []), ...(bootsUefi(entry) ? [uefiLoader(entry)] : [])]));
    index.configMarker.set(name, macFileName(mac));
  }
  return index;
}

/** The boot step a dnsmasq log event shows, and for which host; null for anything else (modules, unknown clients). */
function bootStepOf(event: DnsmasqEvent, index: HostIndex, tftpRoot: string): { host: string; step: BootStep; detail: string } | null {
  if (event.kind === 'dhcp') {
    const host = index.byMac.get(event.mac);
    return host === undefined ? null : { host, step: 'dhcp-offered', detail: `${event.message} ${event.address}` };
  }
  const host = index.byAddress.get(event.client);
  if (host === undefined) return null;
  const file = relative(tftpRoot, event.file);
  if (index.loaders.get(host)!.has(file)) return { host, step: 'loader-fetched', detail: file };
  // pxelinux.cfg/01-<mac>, grub/grub.cfg-01-<mac>, 01-<mac>/boot.cfg
  if (file.includes(index.configMarker.get(host)!)) return { host, step: 'config-fetched', detail: file };
  return null;
}

const KICKSTART_PATH = /^\/ks\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** A request path as a path under the TFTP root, or null when it tries to leave it. */
function treePath(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const segments = decoded.split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\0'))) return null;
  return segments.join('/');
}

export async function startPxeServer(context: Context, options: PxeServeOptions): Promise<PxeServer> {
  const address = serverAddress(options.interface, options.address);
  const root = options.root;
  const tftpRoot = join(root, TFTP_DIR);
  const renderOptions = { server: { address, httpPort: options.httpPort, interface: options.interface }, allowUnknown: options.allowUnknown, dns: options.dns, rootPasswordHash: options.rootPasswordHash };

  // Records of each host's progress go to the store one at a time, in the order they were seen.
  let recording: Promise<unknown> = Promise.resolve();
  const record = (host: string, step: BootStep, detail: string) => {
    recording = recording.then(() => recordBootStep(context, host, step, detail)).catch((error: Error) => options.say(`progress of ${host} not recorded: ${error.message}`));
    return recording;
  };

  let input: PxeRenderInput;
  let index: HostIndex;
  let written = new Set<string>();
  let dnsmasqConf = '';
  /** Hosts whose kickstart was fetched: with --once, their network boot entries boot locally. */
  const installed = new Set<string>();

  /** Renders and writes the tree; true when dnsmasq's configuration changed. */
  const renderTree = async (): Promise<boolean> => {
    input = await pxeRenderInput(context, renderOptions);
    if (options.once) {
      for (const progress of await bootProgress(context)) if (progress.step === 'kickstart-fetched') installed.add(progress.host);
    }
    let files = renderPxeTree(input, root);
    for (const entry of input.hosts) if (options.once && installed.has(entry.record.name)) files = bootLocally(files, entry.record.mac);
    written = await writeTree(root, files, written);
    index = indexHosts(input);
    const conf = files.find((file) => file.path === 'dnsmasq.conf')!.content;
    const changed = conf !== dnsmasqConf;
    dnsmasqConf = conf;
    return changed;
  };

  await mkdir(root, { recursive: true, mode: 0o755 });
  // What an earlier run left may name hosts removed since: the tree starts empty.
  for (const folder of [TFTP_DIR, 'ks']) await rm(join(root, folder), { recursive: true, force: true });
  await renderTree();

  const dnsmasq = new Dnsmasq({
    confFile: join(root, 'dnsmasq.conf'),
    logFile: join(root, 'dnsmasq.log'),
    say: options.say,
    onLine: (line) => {
      const event = parseDnsmasqLine(line);
      const seen = event && bootStepOf(event, index, tftpRoot);
      if (seen) void record(seen.host, seen.step, seen.detail);
    },
  });

  const http = createServer((request, response) => {
    serveHttp(request, response).catch((error: Error) => {
      options.say(`HTTP ${request.url}: ${error.message}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  const notFound = (response: ServerResponse): void => void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');

  async function serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://pxe');
    const client = request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '-';
    response.on('finish', () => options.say(`http ${client} ${request.method} ${url.pathname} ${response.statusCode}`));
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405, { allow: 'GET, HEAD' }).end();
    const kickstart = KICKSTART_PATH.exec(url.pathname);
    if (kickstart) {
      const host = kickstart[1]!;
      // An unknown host and a wrong token look the same: nothing tells a prober which hosts exist.
      const token = url.searchParams.get('token');
      if (token === null || !(await verifyPxeToken(context, host, token))) return notFound(response);
      const content = await readFile(join(root, 'ks', `${host}.cfg`)).catch(() => null);
      if (content === null) return notFound(response);
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': content.length });
      if (request.method === 'HEAD') return void response.end();
      response.end(content);
      // The loader and config fetches of this boot may still be unread in dnsmasq's log: record them first.
      await dnsmasq.drainLog();
      await record(host, 'kickstart-fetched', `GET /ks/${host} from ${client}`);
      if (options.once && !installed.has(host)) {
        installed.add(host);
        await reload();
      }
      return;
    }
    const path = treePath(url.pathname);
    const file = path === null ? null : join(tftpRoot, path);
    const info = file === null ? null : await stat(file).catch(() => null);
    if (file === null || !info?.isFile()) return notFound(response);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
    if (request.method === 'HEAD') return void response.end();
    response.end(await readFile(file));
  }

  // Reloads run one after another; a reload asked for during one runs after it.
  let reloading: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    reloading = reloading.then(async () => {
      try {
        if (await renderTree()) {
          await dnsmasq.restart();
          options.say(`records changed: dnsmasq restarted on the new configuration (pid ${dnsmasq.pid})`);
        }
      } catch (error) {
        options.say(`records changed but the tree was not re-rendered, the previous one is still served: ${(error as Error).message}`);
      }
    });
    return reloading;
  };

  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HostwireError('validation', `HTTP on ${address}:${options.httpPort}: ${error.code === 'EADDRINUSE' ? 'the port is in use: choose another with --http-port' : error.message}`)),
    );
    http.listen(options.httpPort, address, () => resolve());
  });
  try {
    await dnsmasq.start();
  } catch (error) {
    http.close();
    throw error;
  }
  options.say(`dnsmasq serving DHCP and TFTP on ${options.interface} (pid ${dnsmasq.pid}); tree in ${root}`);

  const latestChange = async () => (await listChanges(context, { limit: 1 }))[0]?.id ?? 0;
  let seenChange = await latestChange();
  const poll = setInterval(() => {
    latestChange().then(
      (id) => {
        if (id === seenChange) return;
        seenChange = id;
        return reload();
      },
      (error: Error) => options.say(`change log not read: ${error.message}`),
    );
  }, options.pollMs ?? 1000);

  return {
    address,
    url: `http://${address}:${options.httpPort}`,
    async stop() {
      clearInterval(poll);
      await reloading;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await dnsmasq.stop();
      await recording;
    },
  };
}
