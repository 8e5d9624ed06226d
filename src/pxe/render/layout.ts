/**
 * Where things sit in the rendered PXE tree, and the checks every value goes through before it is
 * written into a configuration file. The TFTP root is `tftp/` under the output root:
 * - `pxelinux.0` and `ldlinux.c32` (BIOS), `grub/grubx64.efi` (UEFI Linux) link to the server's
 *   own Debian boot loaders;
 * - `images/<image>` links to the unpacked installer folder, so the tree never copies an ISO;
 * - `pxelinux.cfg/01-<mac>` per BIOS host, `grub/grub.cfg-01-<mac>` per UEFI Linux host;
 * - `01-<mac>/` per ESXi host: its boot.cfg and, for UEFI, `mboot.efi` (VMware's per-MAC folder).
 */
import { parseAddress, parsePrefix, prefixContains } from '../../domain/address.ts';
import { HostwireError } from '../../domain/errors.ts';
import type { PxeRenderInput } from '../model.ts';

export type PxeHostEntry = PxeRenderInput['hosts'][number];

export const TFTP_DIR = 'tftp';

/**
 * The boot loaders that come from the server's own packages, by their Debian paths: syslinux 6's
 * pxelinux.0 loads ldlinux.c32 from beside itself; GRUB's signed network image (package
 * grub-efi-amd64-signed) reads `grub.cfg` from its prefix, `grub/` on the TFTP root.
 */
export const SYSTEM_LOADERS = [
  { path: 'pxelinux.0', target: '/usr/lib/PXELINUX/pxelinux.0', debianPackage: 'pxelinux' },
  { path: 'ldlinux.c32', target: '/usr/lib/syslinux/modules/bios/ldlinux.c32', debianPackage: 'syslinux-common' },
  { path: 'grub/grubx64.efi', target: '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed', debianPackage: 'grub-efi-amd64-signed' },
] as const;

export const BIOS_LOADER = 'pxelinux.0';
export const GRUB_LOADER = 'grub/grubx64.efi';

/** Inside an ESXi image: the BIOS multiboot module and the UEFI loader VMware copies to mboot.efi. */
export const ESXI_FILES = { biosModule: 'mboot.c32', uefiLoader: 'efi/boot/bootx64.efi' } as const;

/** `01-aa-bb-cc-dd-ee-ff`: the ARP type 1 (Ethernet) and the MAC, lower case with dashes, as pxelinux, GRUB and mboot.efi look it up. */
export const macFileName = (mac: string): string => `01-${mac.toLowerCase().replaceAll(':', '-')}`;

/** The TFTP path (relative to the TFTP root) of an image folder's link. */
export const imageDir = (image: string): string => `images/${image}`;

/** The per-MAC folder of an ESXi host: its boot.cfg, and mboot.efi for UEFI. */
export const esxiHostDir = (mac: string): string => macFileName(mac);

/** The loader a UEFI client of this host is told to fetch. */
export function uefiLoader(entry: PxeHostEntry): string {
  return entry.image.kind === 'esxi' ? `${esxiHostDir(entry.record.mac)}/mboot.efi` : GRUB_LOADER;
}

export const bootsBios = (entry: PxeHostEntry): boolean => entry.record.boot !== 'uefi';
export const bootsUefi = (entry: PxeHostEntry): boolean => entry.record.boot !== 'bios';

/** The host's kickstart on the server's HTTP side; the token is what makes the server answer. */
export function kickstartUrl(input: PxeRenderInput, entry: PxeHostEntry): string {
  return `http://${input.server.address}:${input.server.httpPort}/ks/${entry.record.name}?token=${entry.token}`;
}

/** The host's installer image on the server's HTTP side (the Linux kickstart's install tree). */
export function imageUrl(input: PxeRenderInput, entry: PxeHostEntry): string {
  return `http://${input.server.address}:${input.server.httpPort}/${imageDir(entry.image.name)}/`;
}

const fail = (path: string, message: string): never => {
  throw new HostwireError('validation', `${path}: ${message}`, [{ path, message }]);
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const IMAGE_PATH = /^\/[A-Za-z0-9._+/-]*$/;

/**
 * Refuses any value that could break out of the line it is written on (a newline, a quote, a comma
 * in dnsmasq, a brace in dhcpd) or that the boot chain cannot use: names, MACs, addresses inside
 * their IPv4 subnet, tokens, image paths, and the server's address and port.
 */
export function checkRenderInput(input: PxeRenderInput): void {
  if (parseAddress(input.server.address, 'server.address').family !== 4) fail('server.address', `${input.server.address} is IPv6; PXE here boots over IPv4`);
  if (!Number.isInteger(input.server.httpPort) || input.server.httpPort < 1 || input.server.httpPort > 65535) fail('server.httpPort', `${input.server.httpPort} is not a TCP port (1-65535)`);
  if (input.server.interface !== null && !/^[A-Za-z0-9_.:-]{1,15}$/.test(input.server.interface)) fail('server.interface', `'${input.server.interface}' is not an interface name (up to 15 letters, digits, _ . : -)`);
  input.hosts.forEach(({ record, subnet, image, token }, index) => {
    const at = `hosts.${index}`;
    if (!NAME.test(record.name)) fail(`${at}.name`, `'${record.name}' is not a host name: letters, digits, _ and -, starting with a letter or digit`);
    if (!MAC.test(record.mac)) fail(`${at}.mac`, `'${record.mac}' is not a lower-case, colon-separated MAC such as 00:50:56:aa:bb:cc`);
    if (!HOSTNAME.test(record.hostname)) fail(`${at}.hostname`, `'${record.hostname}' is not a DNS name`);
    if (!TOKEN.test(token)) fail(`${at}.token`, 'the token must be 16-128 characters of A-Z a-z 0-9 _ -');
    if (!NAME.test(image.name)) fail(`${at}.image`, `'${image.name}' is not an image name: letters, digits, _ and -`);
    if (!IMAGE_PATH.test(image.path) || image.path.split('/').includes('..')) fail(`${at}.image`, `image ${image.name}: '${image.path}' is not an absolute path of letters, digits and . _ + - /`);
    for (const file of [image.kernel, image.initrd]) {
      if (file !== null && (!/^[A-Za-z0-9._+/-]+$/.test(file) || file.split('/').includes('..'))) fail(`${at}.image`, `image ${image.name}: '${file}' is not a relative path inside the image`);
    }
    if (image.kind === 'linux' && (!image.kernel || !image.initrd)) fail(`${at}.image`, `image ${image.name} is a Linux image without a kernel and initrd: add them to the image`);
    const prefix = parsePrefix(subnet.cidr, `${at}.subnet`);
    if (prefix.family !== 4) fail(`${at}.subnet`, `subnet ${subnet.name} (${subnet.cidr}) is IPv6; PXE here boots over IPv4`);
    if (!NAME.test(subnet.name)) fail(`${at}.subnet`, `'${subnet.name}' is not a subnet name dnsmasq can tag`);
    if (!prefixContains(prefix, parseAddress(record.address, `${at}.address`))) fail(`${at}.address`, `${record.address} is outside subnet ${subnet.name} (${subnet.cidr})`);
    for (const [field, value] of [['gateway', subnet.gateway], ...subnet.dns.map((dns) => ['dns', dns] as const)] as const) {
      if (value !== null && parseAddress(value, `${at}.subnet.${field}`).family !== 4) fail(`${at}.subnet.${field}`, `${value} is IPv6; DHCPv4 options carry IPv4 addresses`);
    }
    if (subnet.domain !== null && !HOSTNAME.test(subnet.domain)) fail(`${at}.subnet.domain`, `'${subnet.domain}' is not a DNS domain`);
  });
}
