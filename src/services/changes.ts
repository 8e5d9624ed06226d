/** The change log: every write by any entry point, newest first. */
import type { ChangeAction, ChangeEntry, ObjectKind } from '../domain/model.ts';
import { checkInteger, checkLimit } from '../domain/validate.ts';
import { invalid } from '../domain/errors.ts';
import { listChanges as listChangeRows } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import type { ChangeRow } from '../store/schema.ts';

export function toChangeEntry(row: ChangeRow): ChangeEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    objectKind: row.object_kind as ObjectKind,
    objectId: row.object_id,
    objectName: row.object_name,
    action: row.action as ChangeAction,
    before: row.before_json === null ? null : JSON.parse(row.before_json),
    after: row.after_json === null ? null : JSON.parse(row.after_json),
  };
}

function checkTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw invalid(field, `'${value}' is not a time: use ISO 8601, e.g. 2026-11-22T10:00:00Z`);
  return time.toISOString();
}

export interface ChangeQuery {
  objectKind?: string;
  objectName?: string;
  since?: string;
  until?: string;
  limit?: number | string;
  before?: number | string;
}

export async function listChanges(context: Context, query: ChangeQuery = {}): Promise<ChangeEntry[]> {
  const filter = {
    objectKind: query.objectKind,
    objectName: query.objectName,
    since: checkTime('since', query.since),
    until: checkTime('until', query.until),
    limit: query.limit === undefined ? undefined : checkLimit(query.limit),
    beforeId: query.before === undefined ? undefined : checkInteger('before', query.before, 1, Number.MAX_SAFE_INTEGER, 'a change id'),
  };
  return context.store.read(async (conn) => (await listChangeRows(conn, filter)).map(toChangeEntry));
}
