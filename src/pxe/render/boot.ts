/**
 * The TFTP side of the PXE tree, per host: the pxelinux entry (BIOS), the GRUB entry (UEFI Linux),
 * and for ESXi VMware's layout: a per-MAC folder `01-<mac>/` holding the host's copy of the image's
 * boot.cfg (prefix pointing at the image, kernelopt carrying the kickstart URL) and, for UEFI, the
 * image's loader as `mboot.efi`, which reads the boot.cfg beside it. The BIOS entry runs the
 * image's mboot.c32 with `-c` on that same boot.cfg. Images and loaders are links, never copies.
 */
import { HostwireError } from '../../domain/errors.ts';
import type { RenderedFile } from '../../render/files.ts';
import type { PxeRenderInput } from '../model.ts';
import { bootsBios, bootsUefi, ESXI_FILES, SYSTEM_LOADERS, esxiHostDir, imageDir, kickstartUrl, macFileName, TFTP_DIR, type PxeHostEntry } from './layout.ts';

const tftp = (path: string) => `${TFTP_DIR}/${path}`;
const link = (path: string, target: string): RenderedFile => ({ path: tftp(path), content: '', symlink: target });
const text = (path: string, lines: string[]): RenderedFile => ({ path: tftp(path), content: `${lines.join('\n')}\n` });

/** boot.cfg options the installer must not see from the ISO: it boots from the network, with our kickstart. */
const DROPPED_KERNEL_OPTIONS = /^(cdromBoot|ks=.*|netdevice=.*)$/;

/**
 * The host's boot.cfg: the image's own, with `prefix=` the image folder (relative to the TFTP root,
 * as VMware's PXE instructions have it), no leading slash on the kernel and module names (a slash
 * would make them absolute and ignore the prefix), and `kernelopt` naming the kickstart and the NIC
 * to fetch it over (`netdevice=`, the MAC that PXE-booted).
 */
export function esxiBootCfg(input: PxeRenderInput, entry: PxeHostEntry): string {
  const source = entry.imageBootCfg;
  const where = `image ${entry.image.name} (${entry.image.path}/boot.cfg)`;
  if (source === undefined) throw new HostwireError('validation', `${where}: its boot.cfg was not read; the pxe service passes it as imageBootCfg`, [{ path: 'imageBootCfg', message: 'missing' }]);
  const stripSlash = (name: string) => name.trim().replace(/^\/+/, '');
  const ksOptions = [`ks=${kickstartUrl(input, entry)}`, `netdevice=${entry.record.mac}`];
  const lines: string[] = [];
  let kernel = false;
  let modules = false;
  let kernelopt = false;
  for (const line of source.split(/\r?\n/)) {
    const [key, ...rest] = line.split('=');
    const value = rest.join('=');
    if (key === 'prefix') continue;
    if (key === 'kernel') {
      kernel = true;
      lines.push(`prefix=${imageDir(entry.image.name)}`, `kernel=${stripSlash(value)}`);
    } else if (key === 'modules') {
      modules = true;
      lines.push(`modules=${value.split(' --- ').map(stripSlash).join(' --- ')}`);
    } else if (key === 'kernelopt') {
      kernelopt = true;
      const kept = value.split(/\s+/).filter((option) => option && !DROPPED_KERNEL_OPTIONS.test(option));
      lines.push(`kernelopt=${[...kept, ...ksOptions].join(' ')}`);
    } else if (line.trim() !== '') lines.push(line);
  }
  if (!kernel || !modules) throw new HostwireError('validation', `${where} has no ${kernel ? 'modules=' : 'kernel='} line: is it an ESXi installer's boot.cfg?`, [{ path: 'imageBootCfg', message: 'not an ESXi boot.cfg' }]);
  if (!kernelopt) lines.push(`kernelopt=${ksOptions.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A host's pxelinux.cfg/01-<mac>: one entry, booted without a prompt. IPAPPEND 2 adds
 * BOOTIF=01-<mac>, so the installer (weasel, dracut) keeps to the NIC that booted.
 */
function pxelinuxEntry(entry: PxeHostEntry, system: string, body: string[]): RenderedFile {
  return text(`pxelinux.cfg/${macFileName(entry.record.mac)}`, [
    `# hostwire: ${entry.record.name} installs ${system} from image ${entry.image.name}`,
    'DEFAULT install',
    'PROMPT 0',
    'LABEL install',
    ...[...body, 'IPAPPEND 2'].map((line) => `  ${line}`),
  ]);
}

/** The ESXi files of one host: boot.cfg in its per-MAC folder, the pxelinux entry for BIOS, mboot.efi for UEFI. */
function esxiBootFiles(input: PxeRenderInput, entry: PxeHostEntry): RenderedFile[] {
  const { record, image } = entry;
  const folder = esxiHostDir(record.mac);
  const files: RenderedFile[] = [{ path: tftp(`${folder}/boot.cfg`), content: esxiBootCfg(input, entry) }];
  if (bootsBios(entry)) {
    files.push(pxelinuxEntry(entry, 'ESXi', [`KERNEL ${imageDir(image.name)}/${ESXI_FILES.biosModule}`, `APPEND -c ${folder}/boot.cfg`]));
  }
  if (bootsUefi(entry)) files.push(link(`${folder}/mboot.efi`, `${image.path}/${ESXI_FILES.uefiLoader}`));
  return files;
}

/** The kernel command line of a Linux installer: DHCP on the booted NIC, then the host's kickstart. */
const linuxKernelOptions = (input: PxeRenderInput, entry: PxeHostEntry) => ['ip=dhcp', `inst.ks=${kickstartUrl(input, entry)}`];

function linuxBootFiles(input: PxeRenderInput, entry: PxeHostEntry): RenderedFile[] {
  const { record, image } = entry;
  const files: RenderedFile[] = [];
  const kernel = `${imageDir(image.name)}/${image.kernel}`;
  const initrd = `${imageDir(image.name)}/${image.initrd}`;
  if (bootsBios(entry)) {
    files.push(pxelinuxEntry(entry, 'Linux', [`KERNEL ${kernel}`, `INITRD ${initrd}`, `APPEND ${linuxKernelOptions(input, entry).join(' ')}`]));
  }
  if (bootsUefi(entry)) {
    // GRUB's wildcard expansion would act on the ? of the URL: every word is single-quoted.
    const options = [...linuxKernelOptions(input, entry), `BOOTIF=${macFileName(record.mac)}`].map((option) => `'${option}'`).join(' ');
    files.push(
      text(`grub/grub.cfg-${macFileName(record.mac)}`, [
        `# hostwire: ${record.name} installs Linux from image ${image.name}`,
        'set default=0',
        'set timeout=0',
        `menuentry 'Install ${record.name}' {`,
        `  linux /${kernel} ${options}`,
        `  initrd /${initrd}`,
        '}',
      ]),
    );
  }
  return files;
}

/**
 * grub/grub.cfg: GRUB images that search `grub.cfg-01-<mac>` themselves never read it; Debian's
 * network image (grubnetx64) reads only `$prefix/grub.cfg`, so this hands each MAC its own file.
 */
function grubDispatcher(entries: PxeHostEntry[]): RenderedFile {
  return text('grub/grub.cfg', [
    '# hostwire: hands each provisioned MAC its own grub.cfg-01-<mac>.',
    ...entries.map(({ record }) => `if [ "$net_default_mac" = "${record.mac}" ]; then configfile "$prefix/grub.cfg-${macFileName(record.mac)}"; fi`),
    'echo "hostwire: no installation is provisioned for $net_default_mac"',
  ]);
}

/** Every TFTP file of the tree beside the loaders: per-host entries, the GRUB dispatcher, and one link per image. */
export function renderBootFiles(input: PxeRenderInput): RenderedFile[] {
  const files = input.hosts.flatMap((entry) => (entry.image.kind === 'esxi' ? esxiBootFiles(input, entry) : linuxBootFiles(input, entry)));
  const grubHosts = input.hosts.filter((entry) => entry.image.kind === 'linux' && bootsUefi(entry));
  if (grubHosts.length) files.push(grubDispatcher(grubHosts));
  const images = new Map(input.hosts.map(({ image }) => [image.name, image.path]));
  for (const [name, path] of images) files.push(link(imageDir(name), path));
  return files;
}

/** Links to the server's own boot loaders, only those some host needs. */
export function renderLoaderLinks(input: PxeRenderInput): RenderedFile[] {
  const bios = input.hosts.some(bootsBios);
  const grub = input.hosts.some((entry) => entry.image.kind === 'linux' && bootsUefi(entry));
  return SYSTEM_LOADERS.filter((loader) => (loader.path.startsWith('grub/') ? grub : bios)).map((loader) => link(loader.path, loader.target));
}
