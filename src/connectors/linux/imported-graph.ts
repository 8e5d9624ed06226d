/**
 * The last step of every Linux importer: the interfaces read are checked as one observed graph
 * (parseInterfaceSet with `observed`), and each problem is reported at the file and line its value
 * came from, not as an index into a list the user never wrote.
 */
import { HostwireError, type FieldError } from '../../domain/errors.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../../domain/interfaces.ts';

export interface Origin {
  file: string;
  line: number | null;
}

/** An interface as read, before validation: its fields, where it was defined, and where each field came from. */
export interface DraftInterface {
  spec: Record<string, unknown> & { name: string; kind: InterfaceSpec['kind'] };
  origin: Origin;
  /** Keyed by field path below the interface: `mtu`, `addresses.1`, `members`. */
  fields: Map<string, Origin>;
}

export function draftInterface(spec: DraftInterface['spec'], origin: Origin): DraftInterface {
  return { spec, origin, fields: new Map() };
}

/** Sets a field and remembers where its value was read. */
export function setField(draft: DraftInterface, field: string, value: unknown, origin: Origin): void {
  draft.spec[field] = value;
  draft.fields.set(field, origin);
}

/** Appends an address and remembers its line, so a bad one is reported where it was written. */
export function addAddress(draft: DraftInterface, address: string, origin: Origin): void {
  const list = ((draft.spec.addresses as string[] | undefined) ??= []);
  draft.fields.set(`addresses.${list.length}`, origin);
  list.push(address);
}

const where = (origin: Origin) => (origin.line === null ? origin.file : `${origin.file}:${origin.line}`);

/** Validates the drafts as one graph; every problem names its file and line. */
export function validateDrafts(drafts: DraftInterface[]): InterfaceSpec[] {
  try {
    return parseInterfaceSet(drafts.map((draft) => draft.spec), undefined, { observed: true });
  } catch (error) {
    if (!(error instanceof HostwireError)) throw error;
    const fields: FieldError[] = error.fields.map((field) => {
      const match = /^interfaces\.(\d+)(?:\.(.+))?$/.exec(field.path);
      const draft = match ? drafts[Number(match[1])] : undefined;
      if (!draft) return { path: drafts[0] ? where(drafts[0].origin) : field.path, message: field.message };
      const rest = match![2] ?? '';
      const origin = draft.fields.get(rest) ?? draft.fields.get(rest.split('.')[0]!) ?? draft.origin;
      return { path: where(origin), message: `${draft.spec.name}: ${field.message}` };
    });
    throw new HostwireError('validation', fields.map((field) => `${field.path}: ${field.message}`).join('; '), fields);
  }
}
