/**
 * The audit: every rule run over the estate, filtered by host, rule and severity. Findings come
 * in rule order, then as each rule found them, so two runs over one estate print the same list.
 */
import { invalid } from '../domain/errors.ts';
import type { Estate } from './estate.ts';
import { SEVERITIES, type Finding, type Rule, type Severity } from './rule.ts';
import { duplicateIps, unownedVmIps } from './rules/addresses.ts';
import { noLiveUplink, uplinkRedundancyLost } from './rules/links.ts';
import { managementIsolation, portgroupVlans, subnetPortgroups, vswitchPorts } from './rules/portgroups.ts';
import { linuxBonds, stackMtu, teamingRules, teamMembers } from './rules/teaming.ts';
import { bindingTeaming, vmotionJumboPartial, vmotionNotEnabled, vmotionSubnetsDiffer } from './rules/vmotion.ts';
import { mergeableWires } from './rules/wires.ts';

export const RULES: Rule[] = [
  vmotionNotEnabled,
  vmotionSubnetsDiffer,
  bindingTeaming,
  portgroupVlans,
  unownedVmIps,
  duplicateIps,
  subnetPortgroups,
  teamingRules,
  teamMembers,
  linuxBonds,
  stackMtu,
  vmotionJumboPartial,
  managementIsolation,
  vswitchPorts,
  mergeableWires,
  noLiveUplink,
  uplinkRedundancyLost,
];

export interface AuditFilter {
  host?: string;
  rule?: string;
  severity?: string;
}

export function runAudit(estate: Estate, filter: AuditFilter = {}): Finding[] {
  if (filter.rule !== undefined && !RULES.some((rule) => rule.id === filter.rule)) throw invalid('rule', `'${filter.rule}' is not a rule; use one of: ${RULES.map((rule) => rule.id).join(', ')}`);
  if (filter.severity !== undefined && !SEVERITIES.includes(filter.severity as Severity)) throw invalid('severity', `'${filter.severity}' is not a severity; use one of: ${SEVERITIES.join(', ')}`);
  const findings: Finding[] = [];
  for (const rule of RULES) {
    if (filter.rule !== undefined && rule.id !== filter.rule) continue;
    if (filter.severity !== undefined && rule.severity !== filter.severity) continue;
    for (const hit of rule.check(estate)) {
      // A host filter keeps the host's own findings and estate-wide ones that name it.
      if (filter.host !== undefined && hit.host !== filter.host && !(hit.host === null && hit.objects.some((object) => object === filter.host || object.startsWith(`host ${filter.host}/`)))) continue;
      findings.push({ rule: rule.id, severity: rule.severity, title: rule.title, why: rule.why, ...hit });
    }
  }
  return findings;
}
