/**
 * What every host-network importer returns (`hostwire host import`): the interface graph read from
 * config files or live facts, the link state where the source knows it, and warnings for what it
 * read but cannot model. Importers take file contents, not paths, so tests feed them text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HostwireError } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import type { LinkState } from '../domain/network-diff.ts';

export interface ImportedNetwork {
  interfaces: InterfaceSpec[];
  /** Operational state per interface, and per bond member (key `bond0/eth1`), from live facts only. */
  linkState: Record<string, LinkState>;
  /** The default gateway the source configures, if any. */
  gateway?: { interface: string; address: string };
  /** Things read but not modelled (a routing rule, an unknown key), with their file and line. */
  warnings: string[];
  /** Guests and where their vNICs attach, from sources that describe them (libvirt domains). */
  guests?: ImportedGuest[];
}

/** A guest as its hypervisor's config describes it; vNIC attachments name a bridge or port group. */
export interface ImportedGuest {
  name: string;
  uuid?: string;
  nics: { mac: string; attachment: string | null }[];
}

export interface SourceFile {
  /** Path relative to what the user named (e.g. `ifcfg-bond0`, `proc/net/bonding/bond0`). */
  path: string;
  content: string;
}

/** The error for bad input in an imported file: names the file and line, and what is allowed. */
export function sourceError(file: string, line: number | null, message: string): HostwireError {
  const where = line === null ? file : `${file}:${line}`;
  return new HostwireError('validation', `${where}: ${message}`, [{ path: where, message }]);
}

const MAX_FILES = 4096;
const MAX_BYTES = 16 * 1024 * 1024;

/** Reads a file, or every regular file under a folder, refusing anything absurdly large. */
export function readSources(path: string): SourceFile[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new HostwireError('validation', `path: ${path} does not exist or cannot be read`, [{ path: 'path', message: 'not found' }]);
  }
  const files: SourceFile[] = [];
  let bytes = 0;
  const visit = (full: string, root: string) => {
    let entry;
    try {
      entry = statSync(full);
    } catch {
      return; // a dangling symlink (netplan generate leaves some in run/) names nothing to read
    }
    if (entry.isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(join(full, name), root);
      return;
    }
    if (!entry.isFile()) return;
    bytes += entry.size;
    if (files.length >= MAX_FILES || bytes > MAX_BYTES) throw new HostwireError('validation', `path: ${path} holds more than ${MAX_FILES} files or ${MAX_BYTES} bytes; point at the network configuration only`, [{ path: 'path', message: 'too large' }]);
    files.push({ path: relative(root, full) || full.split('/').pop()!, content: readFileSync(full, 'utf8') });
  };
  visit(path, stat.isDirectory() ? path : join(path, '..'));
  return files;
}
