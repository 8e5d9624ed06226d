/**
 * PXE provisioning, as the records, the renderer and the server share it: a provisioning record
 * per new host (its MAC, the address the IPAM gave it, its boot mode and installer image), the
 * installer images, what the rendered tree is built from, and the boot steps the server records.
 */
import type { AddressSubnet, RenderInput } from '../render/files.ts';

export const BOOT_MODES = ['bios', 'uefi', 'auto'] as const;
export type BootMode = (typeof BOOT_MODES)[number];

export const IMAGE_KINDS = ['esxi', 'linux'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** An unpacked installer: ESXi (boot.cfg, mboot.c32 / mboot.efi, modules) or Linux (kernel, initrd). */
export interface PxeImage {
  name: string;
  kind: ImageKind;
  /** Absolute path of the unpacked installer folder. */
  path: string;
  /** For Linux: the kernel and initrd, relative to `path`. */
  kernel: string | null;
  initrd: string | null;
  createdAt: string;
}

/** A host to install: `hostwire pxe host add`. The address is held in the IPAM by owner `pxe-host:<name>`. */
export interface PxeHost {
  name: string;
  /** Lower-case, colon-separated. */
  mac: string;
  subnet: string;
  address: string;
  boot: BootMode;
  image: string;
  /** Fully qualified name; defaults to the host name plus its subnet's domain. */
  hostname: string;
  /** The management VLAN the installer tags (ks.cfg --vlanid); null for untagged. */
  vlan: number | null;
  createdAt: string;
}

/** The steps of an install, in order, as the server sees them (dnsmasq's log and its own HTTP log). */
export const BOOT_STEPS = ['dhcp-offered', 'loader-fetched', 'config-fetched', 'kickstart-fetched'] as const;
export type BootStep = (typeof BOOT_STEPS)[number];

export interface BootProgress {
  host: string;
  step: BootStep;
  at: string;
  /** What was seen: the leased address, the file fetched. */
  detail: string;
}

/** Everything one rendering of the PXE tree needs, gathered by the pxe service. */
export interface PxeRenderInput {
  hosts: {
    record: PxeHost;
    subnet: AddressSubnet & { cidr: string };
    image: PxeImage;
    /** The host's declared network (host configuration issue), when it has one: the %firstboot section and the kickstart's network come from it. */
    declared: RenderInput | null;
    /** The per-host secret in the kickstart URL: without it the server answers 404. */
    token: string;
    /** ESXi images: the text of the image's own boot.cfg, which each host's copy rewrites (prefix, kernelopt); the pxe service reads it from the image folder. */
    imageBootCfg?: string;
  }[];
  /** Where clients reach the server: next-server, the HTTP base of ks= URLs. */
  server: { address: string; httpPort: number; interface: string | null };
  /** Give unknown machines a lease from a dynamic range (`--allow-unknown`); by default they get nothing. */
  allowUnknown: boolean;
  /** dnsmasq's DNS server: off (`port=0`) unless asked for. */
  dns: boolean;
  /** The root password as a crypt(3) hash (`$6$...`), never the password itself; null leaves the installer's prompt. */
  rootPasswordHash: string | null;
}
