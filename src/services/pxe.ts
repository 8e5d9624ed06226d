/**
 * PXE provisioning records: the hosts to install (each holding its address in the IPAM as owner
 * `pxe-host:<name>`), the installer images they boot, the per-host kickstart token, the boot
 * progress the PXE server reports, and the input one rendering of the PXE tree is built from.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addressKey, parseAddress, parsePrefix, prefixContains } from '../domain/address.ts';
import { conflict, HostwireError, invalid, notFound } from '../domain/errors.ts';
import { Checks, checkDomainName, checkInteger, checkMac, checkName, checkOneOf } from '../domain/validate.ts';
import { allocate, release } from '../ipam/allocation.ts';
import { requireSubnet } from '../ipam/subnets.ts';
import { checkInstallerFolder, ESXI_BOOT_CONFIG } from '../pxe/installer-image.ts';
import { checkRootPasswordHash } from '../pxe/render/kickstart.ts';
import { BOOT_MODES, BOOT_STEPS, IMAGE_KINDS, type BootMode, type BootProgress, type BootStep, type ImageKind, type PxeHost, type PxeImage, type PxeRenderInput } from '../pxe/model.ts';
import { findAddress } from '../store/addresses.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import * as inventory from '../store/inventory.ts';
import * as pxe from '../store/pxe.ts';
import type { PxeImageRow, PxeProgressRow } from '../store/schema.ts';
import { isUniqueViolation, type Conn } from '../store/store.ts';
import { findSubnetById } from '../store/subnets.ts';
import { renderInputFor } from './host-network.ts';
import { deriveToken } from './secrets.ts';

const toImage = (row: PxeImageRow): PxeImage => ({ name: row.name, kind: row.kind as ImageKind, path: row.path, kernel: row.kernel, initrd: row.initrd, createdAt: row.created_at });

const toHost = (row: pxe.PxeHostWithNames): PxeHost => ({
  name: row.name,
  mac: row.mac,
  subnet: row.subnet_name,
  address: row.address,
  boot: row.boot as BootMode,
  image: row.image_name,
  hostname: row.hostname,
  vlan: row.vlan,
  createdAt: row.created_at,
});

const toProgress = (row: PxeProgressRow & { host_name: string }): BootProgress => ({ host: row.host_name, step: row.step as BootStep, at: row.at, detail: row.detail });

/** Progress in install order: by host, then by step. */
const byStep = (a: BootProgress, b: BootProgress) => (a.host < b.host ? -1 : a.host > b.host ? 1 : BOOT_STEPS.indexOf(a.step) - BOOT_STEPS.indexOf(b.step));

// A PXE host's name lands in DHCP host entries, file names and kickstart URLs: DNS characters only.
const HOST_NAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;

function checkHostName(value: unknown): string {
  if (typeof value !== 'string' || value.length > 253 || !HOST_NAME.test(value)) {
    throw invalid('name', `${JSON.stringify(value ?? '')} is not a host name: use DNS labels of letters, digits and '-' (dot-separated), e.g. esx07`);
  }
  return value;
}

/** A NIC's MAC: a PXE client never has a multicast or all-zero one. */
function checkNicMac(value: string): string {
  const mac = checkMac('mac', value);
  if (mac === '00:00:00:00:00:00' || (parseInt(mac.slice(0, 2), 16) & 1) === 1) throw invalid('mac', `'${value}' is a ${mac.startsWith('00') ? 'null' : 'multicast'} address; give the NIC's own MAC, e.g. 00:50:56:aa:bb:cc`);
  return mac;
}

export interface PxeHostInput {
  name: string;
  mac: string;
  subnet: string;
  /** A given address, inside the subnet and free; default: the next by the subnet's policy. */
  ip?: string;
  boot?: string;
  image: string;
  hostname?: string;
  vlan?: number | string;
}

/** IPAM errors name its own fields; here the user gave `ip` and `subnet`. */
function asHostFieldError(error: unknown): unknown {
  if (!(error instanceof HostwireError)) return error;
  const renamed: Record<string, string> = { address: 'ip', count: 'subnet' };
  const field = error.fields[0]?.path;
  const to = field === undefined ? undefined : renamed[field];
  if (!to) return error;
  return new HostwireError(error.kind, error.message.replace(new RegExp(`^${field}:`), `${to}:`), error.fields.map((entry) => ({ ...entry, path: renamed[entry.path] ?? entry.path })));
}

/** The image's folder as it is now, and whether it can boot `boot` firmware. */
function checkImageBoots(image: PxeImageRow, boot: BootMode): void {
  let modes;
  try {
    modes = checkInstallerFolder(image.kind as ImageKind, image.path, { kernel: image.kernel ?? undefined, initrd: image.initrd ?? undefined }).bootModes;
  } catch (error) {
    throw invalid('image', `image '${image.name}' no longer checks out: ${(error as Error).message}`);
  }
  const wanted = boot === 'auto' ? (['bios', 'uefi'] as const) : [boot];
  const lacking = wanted.filter((mode) => !modes.includes(mode));
  if (lacking.length) {
    throw invalid('boot', `image '${image.name}' has no ${lacking.map((mode) => mode.toUpperCase()).join(' or ')} loader${boot === 'auto' ? ", and 'auto' serves both" : ''}; use --boot ${modes.join(' or ')}, or add the loader to ${image.path}`);
  }
}

/**
 * Records a host to install and takes its address from the IPAM, all in one transaction: any
 * refusal (a duplicate, an address outside the subnet or taken, an unknown subnet or image, an
 * image that cannot boot the host's firmware) writes nothing.
 */
export async function addPxeHost(context: Context, input: PxeHostInput): Promise<PxeHost> {
  const checks = new Checks();
  const name = checks.check(() => checkHostName(input.name));
  const mac = checks.check(() => checkNicMac(input.mac));
  const subnetName = checks.check(() => checkName('subnet', input.subnet));
  const ip = input.ip === undefined ? undefined : checks.check(() => parseAddress(input.ip!, 'ip'));
  const boot = checks.check(() => checkOneOf('boot', input.boot ?? 'auto', BOOT_MODES));
  const imageName = checks.check(() => checkName('image', input.image));
  const givenHostname = input.hostname === undefined ? undefined : checks.check(() => checkDomainName('hostname', input.hostname));
  const givenVlan = input.vlan === undefined ? undefined : checks.check(() => checkInteger('vlan', input.vlan, 1, 4094, 'a tagged VLAN ID'));
  checks.done();

  return context.store.write(async (tx) => {
    const subnet = await requireSubnet(tx, subnetName!);
    if (subnet.family !== 4) throw invalid('subnet', `'${subnet.name}' (${subnet.cidr}) is IPv6; PXE installs lease an IPv4 address, so use an IPv4 subnet`);
    if (ip && !prefixContains(parsePrefix(subnet.cidr), ip)) throw invalid('ip', `${ip.text} is outside subnet '${subnet.name}' (${subnet.cidr})`);
    const image = await pxe.findImage(tx, imageName!);
    if (!image) throw notFound('image', imageName!);
    checkImageBoots(image, boot!);
    if (givenVlan !== undefined && subnet.vlan !== 0 && givenVlan !== subnet.vlan) {
      throw invalid('vlan', `${givenVlan} differs from VLAN ${subnet.vlan} of subnet '${subnet.name}', where the address lives; leave --vlan out to use it`);
    }
    const vlan = givenVlan ?? (subnet.vlan === 0 ? null : subnet.vlan);
    // A name with a dot is already qualified; a short one takes the subnet's domain when it has one.
    const hostname = givenHostname ?? (name!.includes('.') || !subnet.domain ? name!.toLowerCase() : `${name!.toLowerCase()}.${subnet.domain}`);

    if (await pxe.findHost(tx, name!)) throw conflict(`name: a PXE host named '${name}' already exists; remove it first to provision it again`, 'name');
    const sameMac = await pxe.findHostBy(tx, 'mac', mac!);
    if (sameMac) throw conflict(`mac: ${mac} is already PXE host '${sameMac.name}''s; each MAC gets one DHCP entry`, 'mac');
    const sameHostname = await pxe.findHostBy(tx, 'hostname', hostname);
    if (sameHostname) throw conflict(`hostname: ${hostname} is already PXE host '${sameHostname.name}''s${givenHostname ? '' : ' (the default: name plus the subnet domain); give another with --hostname'}`, 'hostname');

    let address;
    try {
      [address] = await allocate(context, { subnet: subnet.name, address: ip?.text, owner: { kind: 'pxe-host', id: name! }, note: `PXE install of ${hostname}` });
    } catch (error) {
      throw asHostFieldError(error);
    }
    let row;
    try {
      row = await pxe.insertHost(tx, {
        name: name!,
        mac: mac!,
        hostname,
        subnet_id: subnet.id,
        address: address!.address,
        boot: boot!,
        image_id: image.id,
        vlan,
        token_nonce: randomBytes(16).toString('base64url'),
        created_at: context.now().toISOString(),
      });
    } catch (error) {
      // Another writer took the name, MAC or hostname between the checks and the insert.
      if (isUniqueViolation(error)) throw conflict(`a PXE host with name '${name}', MAC ${mac} or hostname ${hostname} was added at the same moment; retry`);
      throw error;
    }
    const host = toHost({ ...row, subnet_name: subnet.name, image_name: image.name });
    await insertChanges(tx, [changeEntry(context, 'pxe-host', { id: row.id, name: host.name }, 'create', null, host)]);
    return host;
  });
}

export async function listPxeHosts(context: Context): Promise<PxeHost[]> {
  return context.store.read(async (conn) => (await pxe.listHosts(conn)).map(toHost));
}

async function requirePxeHost(conn: Conn, name: string): Promise<pxe.PxeHostWithNames> {
  const row = await pxe.findHost(conn, name);
  if (!row) throw notFound('PXE host', name);
  return row;
}

export interface PxeHostDetail extends PxeHost {
  progress: BootProgress[];
}

export async function showPxeHost(context: Context, name: string): Promise<PxeHostDetail> {
  return context.store.read(async (conn) => {
    const row = await requirePxeHost(conn, name);
    return { ...toHost(row), progress: (await pxe.listProgress(conn, row.id)).map(toProgress).sort(byStep) };
  });
}

/** Removes a provisioning record and its progress, and releases its address if it still holds it. */
export async function removePxeHost(context: Context, name: string): Promise<PxeHost> {
  return context.store.write(async (tx) => {
    const row = await requirePxeHost(tx, name);
    const subnet = (await findSubnetById(tx, row.subnet_id))!;
    const { family, value } = parseAddress(row.address);
    const held = await findAddress(tx, subnet.space_id, addressKey(family, value));
    // Held by someone else (recorded before releases were guarded): that holder keeps it.
    if (held && held.owner_kind === 'pxe-host' && held.owner_id === row.name) await release(context, { address: row.address, space: subnet.space_name, pxeHost: row.name });
    await pxe.deleteHost(tx, row.id);
    const host = toHost(row);
    await insertChanges(tx, [changeEntry(context, 'pxe-host', { id: row.id, name: row.name }, 'delete', host, null)]);
    return host;
  });
}

export interface PxeImageInput {
  name: string;
  kind: string;
  /** The unpacked installer folder; relative paths are taken from the current folder. */
  from: string;
  /** Linux only: kernel and initrd relative to the folder, when not found by their usual names. */
  kernel?: string;
  initrd?: string;
}

/** Records an installer image after checking that its folder holds every file it boots from. */
export async function addPxeImage(context: Context, input: PxeImageInput): Promise<PxeImage> {
  const checks = new Checks();
  const name = checks.check(() => checkName('name', input.name));
  const kind = checks.check(() => checkOneOf('kind', input.kind, IMAGE_KINDS));
  if (typeof input.from !== 'string' || input.from === '') checks.fail('from', 'give the folder of the unpacked installer');
  checks.done();
  const path = resolve(input.from);
  const checked = checkInstallerFolder(kind!, path, { kernel: input.kernel, initrd: input.initrd });
  return context.store.write(async (tx) => {
    if (await pxe.findImage(tx, name!)) throw conflict(`name: an image named '${name}' already exists`, 'name');
    const row = await pxe.insertImage(tx, { name: name!, kind: kind!, path, kernel: checked.kernel, initrd: checked.initrd, created_at: context.now().toISOString() });
    const image = toImage(row);
    await insertChanges(tx, [changeEntry(context, 'pxe-image', { id: row.id, name: row.name }, 'create', null, image)]);
    return image;
  });
}

export async function listPxeImages(context: Context): Promise<PxeImage[]> {
  return context.store.read(async (conn) => (await pxe.listImages(conn)).map(toImage));
}

const tokenOf = (context: Context, row: { name: string; token_nonce: string }) => deriveToken(context.store, `pxe:${row.name}:${row.token_nonce}`);

/** The secret in a host's kickstart URL. It is derived, never stored; a re-added host gets a new one. */
export async function pxeToken(context: Context, host: string): Promise<string> {
  return tokenOf(context, await context.store.read((conn) => requirePxeHost(conn, host)));
}

/** True when `token` is `host`'s; false for an unknown host or any other token. */
export async function verifyPxeToken(context: Context, host: string, token: string): Promise<boolean> {
  const row = await context.store.read((conn) => pxe.findHost(conn, host));
  if (!row) return false;
  const expected = Buffer.from(tokenOf(context, row));
  const given = Buffer.from(String(token));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Records that the server saw `step` for `host`. A step seen again keeps its first time: an
 * install repeats DHCP (the firmware, then the installer itself), and the first pass through the
 * steps is the timeline `pxe status` shows. Removing and re-adding the host starts it afresh.
 */
export async function recordBootStep(context: Context, host: string, step: BootStep, detail: string): Promise<BootProgress> {
  const checked = checkOneOf('step', step, BOOT_STEPS);
  return context.store.write(async (tx) => {
    const row = await requirePxeHost(tx, host);
    await pxe.insertProgressOnce(tx, { host_id: row.id, step: checked, at: context.now().toISOString(), detail: String(detail).slice(0, 1000) });
    return (await pxe.listProgress(tx, row.id)).map(toProgress).find((progress) => progress.step === checked)!;
  });
}

/** Every host's boot progress, by host and in install order (`pxe status`). */
export async function bootProgress(context: Context): Promise<BootProgress[]> {
  return context.store.read(async (conn) => (await pxe.listProgress(conn)).map(toProgress).sort(byStep));
}

export interface PxeRenderOptions {
  server: { address: string; httpPort: number; interface: string | null };
  allowUnknown: boolean;
  dns: boolean;
  rootPasswordHash: string | null;
}

// crypt(3) output: $id$[rounds=N$]salt$hash. A cleartext password never matches it.

/** Everything one rendering of the PXE tree needs: each host with its subnet, image, declaration and token. */
export async function pxeRenderInput(context: Context, options: PxeRenderOptions): Promise<PxeRenderInput> {
  const checks = new Checks();
  const address = checks.check(() => parseAddress(options.server.address, 'server.address'));
  if (address && address.family !== 4) checks.fail('server.address', `${address.text} is IPv6; PXE clients reach the server over IPv4`);
  const httpPort = checks.check(() => checkInteger('server.httpPort', options.server.httpPort, 1, 65535, 'a TCP port'));
  checks.check(() => checkRootPasswordHash(options.rootPasswordHash));
  checks.done();
  const rows = await context.store.read(async (conn) => {
    const images = new Map((await pxe.listImages(conn)).map((row) => [row.id, toImage(row)]));
    const found = [];
    for (const row of await pxe.listHosts(conn)) {
      const subnet = (await findSubnetById(conn, row.subnet_id))!;
      const declared = (await inventory.findHost(conn, row.name)) !== undefined;
      found.push({ row, image: images.get(row.image_id)!, declared, subnet: { name: subnet.name, cidr: subnet.cidr, gateway: subnet.gateway, dns: JSON.parse(subnet.dns_json) as string[], domain: subnet.domain, vlan: subnet.vlan } });
    }
    return found;
  });
  const hosts: PxeRenderInput['hosts'] = [];
  for (const { row, image, declared, subnet } of rows) {
    // The renderer rewrites the image's own boot.cfg per host (prefix, kickstart URL).
    const imageBootCfg = image.kind === 'esxi' ? readFileSync(join(image.path, ESXI_BOOT_CONFIG), 'utf8') : undefined;
    hosts.push({ record: toHost(row), subnet, image, declared: declared ? await renderInputFor(context, row.name) : null, token: tokenOf(context, row), ...(imageBootCfg !== undefined ? { imageBootCfg } : {}) });
  }
  return { hosts, server: { address: address!.text, httpPort: httpPort!, interface: options.server.interface }, allowUnknown: options.allowUnknown, dns: options.dns, rootPasswordHash: options.rootPasswordHash };
}
