/**
 * A host's network beyond its declaration: what the renderers need from the IPAM (each address's
 * subnet, gateway and DNS), rendering in any format, and the comparison with imported live facts.
 */
import { addressKey, parseInterfaceAddress } from '../domain/address.ts';
import type { Context } from '../store/context.ts';
import { findSpace, findSubnetContaining } from '../store/subnets.ts';
import type { AddressSubnet, GuestNetwork, RenderedFile, RenderInput } from '../render/files.ts';
import * as inventory from '../store/inventory.ts';
import { DEFAULT_FORMAT, render } from '../render/index.ts';
import { findImporter } from '../connectors/importers.ts';
import type { SourceFile } from '../connectors/host-facts.ts';
import { invalid, notFound } from '../domain/errors.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../domain/interfaces.ts';
import { PLATFORMS, type OsFamily, type Platform } from '../domain/model.ts';
import { diffNetworks, type LinkState, type NetworkDifference } from '../domain/network-diff.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import { applyDeclarations } from './declarations.ts';
import { showHost } from './hosts.ts';

/** The host as the renderers see it: its interfaces plus each address's subnet facts. */
export async function renderInputFor(context: Context, name: string): Promise<RenderInput> {
  const host = await showHost(context, name);
  const subnets: Record<string, AddressSubnet> = {};
  await context.store.read(async (conn) => {
    const space = (await findSpace(conn, 'default'))!;
    for (const spec of host.interfaces) {
      for (const text of 'addresses' in spec ? (spec.addresses ?? []) : []) {
        const { address } = parseInterfaceAddress(text);
        const subnet = await findSubnetContaining(conn, space.id, addressKey(address.family, address.value));
        if (subnet) subnets[address.text] = { name: subnet.name, gateway: subnet.gateway, dns: JSON.parse(subnet.dns_json) as string[], domain: subnet.domain, vlan: subnet.vlan };
      }
    }
  });
  const vms = await context.store.read(async (conn) => {
    const hostId = (await inventory.findHost(conn, name))!.id;
    const guests = new Map<string, GuestNetwork>();
    for (const row of await inventory.listAllVnics(conn, { hostId })) {
      const guest = guests.get(row.vm_uuid) ?? { name: row.vm_name, nics: [] };
      guest.nics.push({ mac: row.mac, attachment: row.portgroup_name });
      guests.set(row.vm_uuid, guest);
    }
    return [...guests.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
  return { name: host.name, platform: host.platform, osFamily: host.osFamily, interfaces: host.interfaces, managementAddress: host.managementAddress, subnets, vms };
}

/** A host rendered in `format`, by default its os family's; says which format it used. */
export async function renderHost(context: Context, name: string, format?: string): Promise<{ format: string; files: RenderedFile[] }> {
  const input = await renderInputFor(context, name);
  const chosen = format ?? DEFAULT_FORMAT[input.osFamily];
  return { format: chosen, files: render(input, chosen) };
}

export type ImportTarget = 'declaration' | 'facts';

/** What a declaration may say that no platform file records. */
const NOTE_FIELDS = ['description', 'switchNote', 'speedMbps', 'driver', 'capabilities'] as const;

export interface ImportRequest {
  host: string;
  format: string;
  files: SourceFile[];
  /** Where the files came from, for the record (a path or "api"). */
  source: string;
  /** Config files become the declaration, live facts are kept beside it; this overrides that. */
  as?: ImportTarget;
  /** For a host hostwire does not know yet. */
  platform?: string;
  os?: string;
}

export interface ImportResult {
  host: string;
  as: ImportTarget;
  interfaces: InterfaceSpec[];
  warnings: string[];
}

/**
 * `host import`: reads a host's network from config files or live facts. As a declaration it is
 * applied like `host apply` (validated whole, addresses recorded in the IPAM); as facts it is kept
 * as the host's last observed state for `host diff` and the UI.
 */
export async function importHost(context: Context, request: ImportRequest): Promise<ImportResult> {
  const importer = findImporter(request.format);
  const imported = importer.read(request.files);
  const as = request.as ?? (importer.kind === 'config' ? 'declaration' : 'facts');
  const existing = await context.store.read((conn) => inventory.findHost(conn, request.host));
  if (as === 'facts') {
    if (!existing) throw notFound('host', request.host);
    // Facts are what is, not what should be: graph rules about teaming and stacks are the audit's to report.
    const interfaces = parseInterfaceSet(imported.interfaces, existing.platform, { observed: true });
    await context.store.write(async (tx) => {
      await inventory.saveHostFacts(tx, {
        host_id: existing.id,
        format: request.format,
        source: request.source,
        imported_at: context.now().toISOString(),
        interfaces_json: JSON.stringify(interfaces),
        link_state_json: JSON.stringify(imported.linkState),
        warnings_json: JSON.stringify(imported.warnings),
      });
      await insertChanges(tx, [changeEntry(context, 'host', { id: existing.id, name: existing.name }, 'update', null, { factsImported: { format: request.format, source: request.source, interfaces: interfaces.length } })]);
    });
    return { host: request.host, as, interfaces, warnings: imported.warnings };
  }
  const platform = request.platform ?? existing?.platform;
  // Notes no config file carries (a switch note, a description, NIC speed) stay on interfaces that keep their name and kind.
  const declared = existing ? new Map((await showHost(context, request.host)).interfaces.map((spec) => [spec.name, spec])) : new Map<string, InterfaceSpec>();
  const interfaces = imported.interfaces.map((spec) => {
    const before = declared.get(spec.name);
    if (!before || before.kind !== spec.kind) return spec;
    const notes = Object.fromEntries(NOTE_FIELDS.filter((field) => field in before && !(field in spec)).map((field) => [field, (before as Record<string, unknown>)[field]]));
    return { ...spec, ...notes } as InterfaceSpec;
  });
  if (!platform) throw invalid('platform', `host '${request.host}' does not exist yet; say which platform it is (${PLATFORMS.join(', ')})`);
  const [detail] = await applyDeclarations(context, [
    {
      declaration: {
        host: request.host,
        platform: platform as Platform,
        ...((request.os ?? existing?.os_family) ? { os: (request.os ?? existing?.os_family) as OsFamily } : {}),
        ...(existing?.cluster ? { cluster: existing.cluster } : {}),
        ...(existing?.management_address ? { management: existing.management_address } : {}),
        interfaces: [],
      },
      interfaces,
    },
  ]);
  return { host: request.host, as, interfaces: detail!.interfaces, warnings: imported.warnings };
}

export interface HostDiff {
  host: string;
  facts: { format: string; source: string; importedAt: string } | null;
  differences: NetworkDifference[];
  /** The observed link state per interface (and `bond0/eth1` per bond member or bridge port); empty without facts. */
  links: Record<string, LinkState>;
}

/** The link state the host's last facts saw, per interface and per `bond0/eth1` member or port; empty without facts. */
export async function observedLinks(context: Context, name: string): Promise<Record<string, LinkState>> {
  return context.store.read(async (conn) => {
    const host = await inventory.findHost(conn, name);
    const row = host && (await inventory.findHostFacts(conn, host.id));
    return row ? (JSON.parse(row.link_state_json) as Record<string, LinkState>) : {};
  });
}

/** The declaration against live facts: given ones (`--facts PATH`), else the last imported. */
export async function diffHost(context: Context, name: string, given?: { format: string; files: SourceFile[]; source: string }): Promise<HostDiff> {
  const host = await showHost(context, name);
  let observed: { interfaces: InterfaceSpec[]; linkState: Record<string, LinkState> };
  let facts: HostDiff['facts'];
  if (given) {
    const imported = findImporter(given.format).read(given.files);
    observed = { interfaces: parseInterfaceSet(imported.interfaces, host.platform, { observed: true }), linkState: imported.linkState };
    facts = { format: given.format, source: given.source, importedAt: context.now().toISOString() };
  } else {
    const row = await context.store.read((conn) => inventory.findHostFacts(conn, host.id));
    if (!row) return { host: name, facts: null, differences: [], links: {} };
    observed = { interfaces: JSON.parse(row.interfaces_json) as InterfaceSpec[], linkState: JSON.parse(row.link_state_json) as Record<string, LinkState> };
    facts = { format: row.format, source: row.source, importedAt: row.imported_at };
  }
  return { host: name, facts, differences: diffNetworks(host.interfaces, observed.interfaces, host.platform, { linkState: observed.linkState }), links: observed.linkState };
}
