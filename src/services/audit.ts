/** `hostwire audit` and `GET /api/v1/findings`: the audit over the estate as stored now. */
import { loadEstate } from '../audit/estate.ts';
import { runAudit, type AuditFilter } from '../audit/index.ts';
import type { Finding } from '../audit/rule.ts';
import { notFound } from '../domain/errors.ts';
import type { Context } from '../store/context.ts';

export async function audit(context: Context, filter: AuditFilter = {}): Promise<Finding[]> {
  const estate = await loadEstate(context);
  if (filter.host !== undefined && !estate.hostsByName.has(filter.host)) throw notFound('host', filter.host);
  return runAudit(estate, filter);
}
