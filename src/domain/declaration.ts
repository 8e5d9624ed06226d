/**
 * A host's network as an admin writes it (`hostwire host apply FILE.yaml`): readable names
 * (`type`, `policy`, `portgroup`) that map onto the interface graph of interfaces.ts. An address
 * is written `10.1.1.101/24`, or `{subnet: NAME}` for the IPAM to choose and keep.
 */
import { z } from 'zod';
import { HostwireError, type FieldError } from './errors.ts';
import { INTERFACE_KINDS, type InterfaceSpec } from './interfaces.ts';
import { OS_FAMILIES, PLATFORMS } from './model.ts';

export const AddressDeclarationSchema = z.union([z.string().min(3).max(64), z.object({ subnet: z.string().min(1).max(253) }).strict()]);
export type AddressDeclaration = z.infer<typeof AddressDeclarationSchema>;

const InterfaceDeclarationSchema = z
  .object({
    name: z.string(),
    type: z.enum(INTERFACE_KINDS),
    addresses: z.array(AddressDeclarationSchema).optional(),
  })
  .passthrough();

export const DeclarationSchema = z
  .object({
    host: z.string().min(1).max(253),
    platform: z.enum(PLATFORMS),
    os: z.enum(OS_FAMILIES).optional(),
    cluster: z.string().min(1).max(253).optional(),
    management: z.string().max(64).optional(),
    interfaces: z.array(InterfaceDeclarationSchema).max(512),
  })
  .strict();
export type Declaration = z.infer<typeof DeclarationSchema>;

/** An interface spec whose addresses may still name a subnet to allocate from. */
export type DeclaredInterface = Omit<InterfaceSpec, 'addresses'> & { addresses?: AddressDeclaration[] };

/** Renames the declaration's readable keys to the model's: type->kind, policy->loadBalancing, portgroup/bridge->attachment. */
function toSpecShape(input: Record<string, unknown>): Record<string, unknown> {
  const { type, ...rest } = input;
  const spec: Record<string, unknown> = { kind: type, ...rest };
  if (type === 'vmk') {
    const attachment = rest.portgroup ?? rest.bridge;
    delete spec.portgroup;
    delete spec.bridge;
    if (attachment !== undefined) spec.attachment = attachment;
  }
  if (spec.teaming && typeof spec.teaming === 'object') {
    const { policy, ...teaming } = spec.teaming as Record<string, unknown>;
    spec.teaming = policy === undefined ? teaming : { loadBalancing: policy, ...teaming };
  }
  return spec;
}

/** Parses one declaration document; every problem is reported with its path. */
export function parseDeclaration(input: unknown, where = 'declaration'): { declaration: Declaration; interfaces: DeclaredInterface[] } {
  const parsed = DeclarationSchema.safeParse(input);
  if (!parsed.success) throw schemaError(where, parsed.error.issues);
  return { declaration: parsed.data, interfaces: parsed.data.interfaces.map((entry) => toSpecShape(entry as Record<string, unknown>) as DeclaredInterface) };
}

/**
 * A host profile: one layout applied to many hosts, each with its own values (seed 002: every ESXi
 * host has the same vmk1-vmk3 layout, and each vmk's last octet follows the management address).
 * Strings in `interfaces` may use `${host}`, `${management}`, `${octet}` (the last octet of an
 * IPv4 management address) and any key of the host's `vars`; `macs` sets each NIC's MAC by name.
 */
export const ProfileSchema = z
  .object({
    profile: z.string().min(1).max(253),
    platform: z.enum(PLATFORMS),
    os: z.enum(OS_FAMILIES).optional(),
    cluster: z.string().min(1).max(253).optional(),
    hosts: z
      .array(
        z
          .object({
            host: z.string().min(1).max(253),
            management: z.string().max(64).optional(),
            cluster: z.string().min(1).max(253).optional(),
            macs: z.record(z.string().max(64), z.string().max(64)).optional(),
            vars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _'), z.union([z.string().max(500), z.number()])).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(10000),
    interfaces: z.array(z.record(z.string(), z.unknown())).max(512),
  })
  .strict();

function schemaError(where: string, issues: readonly { path: PropertyKey[]; message: string }[]): HostwireError {
  const fields: FieldError[] = issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(document)', message: issue.message }));
  return new HostwireError('validation', `${where}: ${fields.map((field) => `${field.path}: ${field.message}`).join('; ')}`, fields);
}

/** Replaces `${name}` in every string of a value; an unknown name is an error naming where it was found. */
function substitute(value: unknown, values: Record<string, string>, path: string, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (!(name in values)) throw new HostwireError('validation', `${where}: ${path}: \${${name}} is not defined; use one of: ${Object.keys(values).map((key) => `\${${key}}`).join(', ')}`, [{ path, message: `undefined variable ${name}` }]);
      return values[name]!;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, values, `${path}.${index}`, where));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, values, `${path}.${key}`, where)]));
  return value;
}

/** One declaration per host of a profile, each parsed and checked as if written by hand. */
export function expandProfile(input: unknown, where = 'profile'): { declaration: Declaration; interfaces: DeclaredInterface[] }[] {
  const parsed = ProfileSchema.safeParse(input);
  if (!parsed.success) throw schemaError(where, parsed.error.issues);
  const profile = parsed.data;
  return profile.hosts.map((entry, index) => {
    const hostWhere = `${where} hosts.${index} (${entry.host})`;
    const values: Record<string, string> = { host: entry.host };
    if (entry.management !== undefined) {
      values.management = entry.management;
      const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(entry.management);
      if (octets) values.octet = octets[4]!;
    }
    for (const [key, value] of Object.entries(entry.vars ?? {})) values[key] = String(value);
    const names = new Set(profile.interfaces.map((item) => item.name));
    const unknownNic = Object.keys(entry.macs ?? {}).find((nic) => !names.has(nic));
    if (unknownNic) throw new HostwireError('validation', `${hostWhere}: macs.${unknownNic}: the profile has no interface named '${unknownNic}'`, [{ path: `hosts.${index}.macs.${unknownNic}`, message: 'unknown interface' }]);
    const interfaces = profile.interfaces.map((item, position) => {
      const filled = substitute(item, values, `interfaces.${position}`, hostWhere) as Record<string, unknown>;
      const mac = entry.macs?.[filled.name as string];
      return mac === undefined ? filled : { ...filled, mac };
    });
    return parseDeclaration(
      { host: entry.host, platform: profile.platform, ...(profile.os ? { os: profile.os } : {}), ...((entry.cluster ?? profile.cluster) ? { cluster: entry.cluster ?? profile.cluster } : {}), ...(entry.management ? { management: entry.management } : {}), interfaces },
      hostWhere,
    );
  });
}

/** A YAML document of `host apply`: a declaration (`host:`) or a profile (`profile:`) for many hosts. */
export function parseApplyDocument(input: unknown, where = 'declaration'): { declaration: Declaration; interfaces: DeclaredInterface[] }[] {
  if (input && typeof input === 'object' && 'profile' in input) return expandProfile(input, where);
  return [parseDeclaration(input, where)];
}
