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
  if (!parsed.success) {
    const fields: FieldError[] = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(document)', message: issue.message }));
    throw new HostwireError('validation', `${where}: ${fields.map((field) => `${field.path}: ${field.message}`).join('; ')}`, fields);
  }
  return { declaration: parsed.data, interfaces: parsed.data.interfaces.map((entry) => toSpecShape(entry as Record<string, unknown>) as DeclaredInterface) };
}
