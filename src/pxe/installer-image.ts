/**
 * Checks an unpacked installer folder before it becomes a PXE image: for ESXi, its boot.cfg and
 * every file that names (kernel, modules) plus a BIOS and/or UEFI loader, laid out as VMware's PXE
 * instructions expect (mboot.c32 for PXELINUX; efi/boot/bootx64.efi, served as mboot.efi, for
 * UEFI); for Linux, a kernel and initrd. Missing files are listed together, by their path.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { sourceError } from '../connectors/host-facts.ts';
import { invalid } from '../domain/errors.ts';
import type { BootMode, ImageKind } from './model.ts';

export const ESXI_BOOT_CONFIG = 'boot.cfg';
/** The BIOS loader, a PXELINUX module. */
export const ESXI_BIOS_LOADER = 'mboot.c32';
/** UEFI loaders: the installer's own, which VMware says to serve as mboot.efi, or one already renamed. */
export const ESXI_UEFI_LOADERS = ['efi/boot/bootx64.efi', 'mboot.efi'] as const;

/** Where installers keep their kernel and initrd, tried in order (the folder itself first). */
const LINUX_FOLDERS = ['', 'images/pxeboot', 'casper', 'install.amd', 'debian-installer/amd64'];
const LINUX_KERNELS = ['vmlinuz', 'linux'];
const LINUX_INITRDS = ['initrd.img', 'initrd.gz'];

/** A real boot.cfg is a few hundred bytes; anything this large is not one. */
const MAX_BOOT_CONFIG_BYTES = 64 * 1024;

/** What ESXi's mboot reads from boot.cfg; paths are relative, their leading '/' removed. */
export interface EsxiBootConfig {
  prefix: string | null;
  kernel: string;
  kernelopt: string;
  modules: string[];
}

export interface CheckedImage {
  kernel: string | null;
  initrd: string | null;
  /** The firmware kinds the image can boot: ESXi needs a loader of its own for each. */
  bootModes: Exclude<BootMode, 'auto'>[];
}

/**
 * A path boot.cfg or a user names inside the image: relative, normalized, never leaving the folder.
 * Returns null for a path that is absolute after the leading '/', climbs out with '..', or is empty.
 */
function insidePath(text: string): string | null {
  const trimmed = text.trim().replace(/^\/+/, '');
  if (!trimmed || /[\0\r\n]/.test(trimmed)) return null;
  const normalized = posix.normalize(trimmed);
  return normalized === '.' || normalized.startsWith('../') || normalized === '..' || posix.isAbsolute(normalized) ? null : normalized;
}

/** Reads boot.cfg as mboot does: `key=value` lines, modules separated by ` --- `. */
export function parseEsxiBootConfig(text: string, file = ESXI_BOOT_CONFIG): EsxiBootConfig {
  const values = new Map<string, { value: string; line: number }>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) throw sourceError(file, index + 1, `'${line.slice(0, 80)}' is not a setting: boot.cfg lines are key=value (kernel=, modules=, prefix=, kernelopt=...)`);
    values.set(line.slice(0, equals).trim().toLowerCase(), { value: line.slice(equals + 1).trim(), line: index + 1 });
  });
  const path = (text: string, line: number, key: string) => {
    const inside = insidePath(text);
    if (inside === null) throw sourceError(file, line, `${key} '${text.slice(0, 200)}' is not a file inside the installer folder: use a path like /b.b00, without '..'`);
    return inside;
  };
  const kernel = values.get('kernel');
  if (!kernel?.value) throw sourceError(file, kernel?.line ?? null, 'has no kernel= line naming the kernel (e.g. kernel=/b.b00)');
  const modules = values.get('modules');
  const prefix = values.get('prefix');
  return {
    prefix: prefix?.value ? prefix.value : null,
    kernel: path(kernel.value, kernel.line, 'kernel'),
    kernelopt: values.get('kernelopt')?.value ?? '',
    modules: modules?.value ? modules.value.split(/\s+---\s+/).map((module) => path(module, modules.line, 'module')) : [],
  };
}

/**
 * Whether `relative` is a file in the folder. A link out of the folder is refused, not followed:
 * the PXE server hands image files to anyone on the wire, and must never serve /etc/shadow.
 */
function isFile(folder: string, relative: string): boolean {
  const path = join(folder, relative);
  if (!(statSync(path, { throwIfNoEntry: false })?.isFile() ?? false)) return false;
  const real = realpathSync(path);
  if (!real.startsWith(`${realpathSync(folder)}/`)) throw invalid('from', `${relative} in ${folder} leads out of the folder, to ${real}; the PXE server serves image files to any client, so copy the file in instead of linking it`);
  return true;
}

/** A missing file, with a hint when one differs only in case (an ISO copied with upper-case names). */
function describeMissing(folder: string, relative: string): string {
  const full = join(folder, relative);
  const wanted = full.slice(dirname(full).length + 1).toLowerCase();
  let entries: string[] = [];
  try {
    entries = readdirSync(dirname(full));
  } catch {
    // The folder above is missing too: nothing to hint at.
  }
  const other = entries.find((entry) => entry.toLowerCase() === wanted);
  return other ? `${relative} (found '${other}': TFTP names are case-sensitive; copy the installer with lower-case names)` : relative;
}

function readBootConfig(path: string): string {
  const size = statSync(path).size;
  if (size > MAX_BOOT_CONFIG_BYTES) throw sourceError(ESXI_BOOT_CONFIG, null, `is ${size} bytes; a boot.cfg is a few hundred, at most ${MAX_BOOT_CONFIG_BYTES}`);
  return readFileSync(path, 'utf8');
}

function missingError(folder: string, missing: string[]) {
  return invalid('from', `installer folder ${folder} is missing ${missing.join(', ')}`);
}

function checkEsxi(folder: string): CheckedImage {
  const configPath = join(folder, ESXI_BOOT_CONFIG);
  if (!isFile(folder, ESXI_BOOT_CONFIG)) throw missingError(folder, [`${describeMissing(folder, ESXI_BOOT_CONFIG)} (the ESXi boot configuration)`]);
  const config = parseEsxiBootConfig(readBootConfig(configPath));
  const missing = [config.kernel, ...config.modules].filter((file) => !isFile(folder, file)).map((file) => `${describeMissing(folder, file)} (named by boot.cfg)`);
  const bios = isFile(folder, ESXI_BIOS_LOADER);
  const uefi = ESXI_UEFI_LOADERS.some((loader) => isFile(folder, loader));
  if (!bios && !uefi) missing.push(`a loader: ${ESXI_BIOS_LOADER} (BIOS) or ${ESXI_UEFI_LOADERS.join(' / ')} (UEFI)`);
  if (missing.length) throw missingError(folder, missing);
  return { kernel: null, initrd: null, bootModes: [...(bios ? ['bios' as const] : []), ...(uefi ? ['uefi' as const] : [])] };
}

/** The named file, or the first of the usual names found in the usual folders. */
function linuxFile(folder: string, field: 'kernel' | 'initrd', given: string | undefined, usual: string[]): { path: string | null; missing: string | null } {
  if (given !== undefined) {
    const inside = insidePath(given);
    if (inside === null) throw invalid(field, `'${given}' is not a file inside the installer folder: give a path relative to it, without '..'`);
    return isFile(folder, inside) ? { path: inside, missing: null } : { path: null, missing: `${describeMissing(folder, inside)} (--${field})` };
  }
  for (const sub of LINUX_FOLDERS) {
    for (const name of usual) if (isFile(folder, posix.join(sub, name))) return { path: posix.join(sub, name), missing: null };
  }
  return { path: null, missing: `a ${field} (${usual.join(' or ')}, in the folder or ${LINUX_FOLDERS.filter(Boolean).join(', ')}; or name it with --${field})` };
}

function checkLinux(folder: string, given: { kernel?: string; initrd?: string }): CheckedImage {
  const kernel = linuxFile(folder, 'kernel', given.kernel, LINUX_KERNELS);
  const initrd = linuxFile(folder, 'initrd', given.initrd, LINUX_INITRDS);
  const missing = [kernel.missing, initrd.missing].filter((entry): entry is string => entry !== null);
  if (missing.length) throw missingError(folder, missing);
  // The server's own PXELINUX and GRUB load a Linux kernel whatever the firmware.
  return { kernel: kernel.path, initrd: initrd.path, bootModes: ['bios', 'uefi'] };
}

/** Checks an installer folder (an absolute path) for an image of `kind`; throws listing every missing file. */
export function checkInstallerFolder(kind: ImageKind, folder: string, given: { kernel?: string; initrd?: string } = {}): CheckedImage {
  if (!(statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false)) throw invalid('from', `${folder} is not a folder: point at the unpacked installer`);
  if (kind === 'esxi' && (given.kernel !== undefined || given.initrd !== undefined)) throw invalid(given.kernel !== undefined ? 'kernel' : 'initrd', "is for Linux images: an ESXi image's boot.cfg names its kernel and modules");
  return kind === 'esxi' ? checkEsxi(folder) : checkLinux(folder, given);
}
