/**
 * The estate at a glance (the web UI's overview, `hostwire summary`): counts, findings by severity
 * and the fullest subnets, in one call instead of walking every list.
 */
import { SEVERITIES, type Severity } from '../audit/rule.ts';
import { listSubnets, type SubnetSummary } from '../ipam/subnets.ts';
import type { Context } from '../store/context.ts';
import { countEstate, type EstateCounts } from '../store/summary.ts';
import { audit } from './audit.ts';

export interface EstateSummary extends EstateCounts {
  findings: Record<Severity, number>;
  /** The subnets with the highest utilization, fullest first. */
  fullestSubnets: SubnetSummary[];
}

export async function summarizeEstate(context: Context, fullest = 5): Promise<EstateSummary> {
  const counts = await context.store.read((conn) => countEstate(conn));
  const findings = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const finding of await audit(context)) findings[finding.severity] += 1;
  const subnets = await listSubnets(context);
  const fullestSubnets = subnets.sort((a, b) => b.utilization.percent - a.utilization.percent || a.name.localeCompare(b.name)).slice(0, fullest);
  return { ...counts, findings, fullestSubnets };
}
