/**
 * `hostwire audit`, `GET /api/v1/findings` and `hostwire audit fix`: the audit over the estate as
 * stored now, the fix plan of one rule on one host, and, for vmotion-not-enabled on a host synced
 * from vCenter, applying it with SelectVnicForNicType and recording what changed.
 */
import { loadEstate } from '../audit/estate.ts';
import { runAudit, type AuditFilter } from '../audit/index.ts';
import type { Finding } from '../audit/rule.ts';
import { VimClient } from '../connectors/vsphere/client.ts';
import { VsphereError } from '../connectors/vsphere/errors.ts';
import { selectVnicForNicType, virtualNicManagerOf } from '../connectors/vsphere/vnic-manager.ts';
import { conflict, HostwireError, invalid, notFound } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import type { Context } from '../store/context.ts';
import { accountCredentials } from './accounts.ts';
import { setHostInterfaces, showHost } from './hosts.ts';

export async function audit(context: Context, filter: AuditFilter = {}): Promise<Finding[]> {
  const estate = await loadEstate(context);
  if (filter.host !== undefined && !estate.hostsByName.has(filter.host)) throw notFound('host', filter.host);
  return runAudit(estate, filter);
}

/** The rules `audit fix --apply` can carry out itself; the others' plans are run by hand. */
export const APPLICABLE_RULES = ['vmotion-not-enabled'] as const;

export interface FixPlan {
  rule: string;
  host: string;
  /** The host's findings for the rule; each `fix` holds the lines that repair it. */
  findings: Finding[];
}

/** What one step of an applied fix did: `ok`, or the fault vCenter answered. */
export interface FixResult {
  host: string;
  vmk: string;
  ok: boolean;
  message: string;
}

export interface AppliedFix extends FixPlan {
  account: string;
  results: FixResult[];
}

/** The plan of `audit fix RULE --host H`: that host's findings for the rule, with their fix lines. */
export async function planFix(context: Context, rule: string, host: string): Promise<FixPlan> {
  const findings = await audit(context, { rule, host });
  if (!findings.length) throw new HostwireError('not_found', `host '${host}' has no ${rule} findings: there is nothing to fix (run hostwire audit --host ${host} to see its findings)`);
  return { rule, host, findings };
}

/**
 * Applies the plan in vCenter: selects each flagged vmk for vMotion on the host's virtual NIC
 * manager, one call per vmk so that one refusal does not stop the others, then records the vmks
 * vCenter accepted in the host's interfaces (as a sync would see them), so the audit and the change
 * log show the fix at once. The host is addressed by the vCenter identity its sync stored, and only
 * in the vCenter that identity names.
 */
export async function applyFix(context: Context, rule: string, hostName: string, options: { account?: string } = {}): Promise<AppliedFix> {
  const plan = await planFix(context, rule, hostName);
  if (!(APPLICABLE_RULES as readonly string[]).includes(rule)) throw invalid('apply', `--apply carries out ${APPLICABLE_RULES.join(', ')} only; run the plan's lines for ${rule} on the host`);
  const host = await showHost(context, hostName);
  const accountName = options.account ?? host.sourceAccount;
  if (!accountName) throw invalid('account', `host '${hostName}' was not synced from a vSphere account: pass --account NAME, or run the plan's lines on the host`);
  const separator = host.externalId?.indexOf(':') ?? -1;
  if (!host.externalId || separator < 1) throw invalid('host', `host '${hostName}' has no vCenter identity: sync it from account '${accountName}' first (hostwire sync ${accountName})`);
  const instanceUuid = host.externalId.slice(0, separator);
  const hostRef = { type: 'HostSystem', value: host.externalId.slice(separator + 1) };
  const credentials = await accountCredentials(context, accountName);
  if (credentials.instanceUuid && credentials.instanceUuid !== instanceUuid) throw conflict(`host '${hostName}' was synced from vCenter ${instanceUuid}, but account '${accountName}' is vCenter ${credentials.instanceUuid}`, 'account');

  const client = new VimClient({ url: credentials.url, username: credentials.username, password: credentials.password, tls: credentials.tls });
  const results: FixResult[] = [];
  try {
    const content = await client.connect();
    // A moref means something only in its own vCenter: never change another vCenter's host-NN.
    if (content.about.instanceUuid !== instanceUuid) throw conflict(`account '${accountName}' now answers as vCenter ${content.about.instanceUuid}, but host '${hostName}' was synced from vCenter ${instanceUuid}; nothing was changed`, 'account');
    const manager = await virtualNicManagerOf(client, hostRef);
    for (const finding of plan.findings) {
      const vmk = finding.objects[1]!;
      try {
        await selectVnicForNicType(client, manager, 'vmotion', vmk);
        results.push({ host: hostName, vmk, ok: true, message: 'selected for vMotion' });
      } catch (error) {
        if (!(error instanceof VsphereError)) throw error;
        results.push({ host: hostName, vmk, ok: false, message: error.message });
      }
    }
  } finally {
    await client.logout().catch(() => undefined);
  }

  const enabled = new Set(results.filter((result) => result.ok).map((result) => result.vmk));
  if (enabled.size) {
    const interfaces = host.interfaces.map((spec): InterfaceSpec => (spec.kind === 'vmk' && enabled.has(spec.name) ? { ...spec, services: [...spec.services, 'vmotion'] } : spec));
    await setHostInterfaces(context, hostName, interfaces, { observed: true });
  }
  return { ...plan, account: accountName, results };
}
