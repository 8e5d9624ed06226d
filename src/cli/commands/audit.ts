/** `hostwire audit` and `hostwire sim`: what is wrong before it breaks, and what breaks when a link fails. */
import type { Command } from 'commander';
import { RULES } from '../../audit/index.ts';
import { SEVERITIES } from '../../audit/rule.ts';
import { invalid } from '../../domain/errors.ts';
import { applyFix, audit, planFix, type FixPlan } from '../../services/audit.ts';
import { planHostVmotion, simulateHostBalance, simulateHostFailure, type SimSettings } from '../../services/sim.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
function printPlan(plan: FixPlan): void {
  process.stdout.write(`plan for ${plan.rule} on ${plan.host}:\n`);
  for (const finding of plan.findings) process.stdout.write(`# ${finding.message}\n${finding.fix}\n`);
}

const list = (value: string | undefined) => (value ? value.split(',').map((item) => item.trim()).filter(Boolean) : []);

export function registerAuditCommands(program: Command, run: Runner): void {
  const auditCommand = program
    .command('audit')
    .description('find what is wrong before it breaks: vMotion, teaming, VLANs, MTU, addresses')
    .option('--host <name>', "only this host's findings")
    .option('--rule <id>', `only this rule: ${RULES.map((rule) => rule.id).join(', ')}`)
    .option('--severity <level>', `only this severity: ${SEVERITIES.join(', ')}`)
    .option('--json', 'print JSON')
    .action((options: { host?: string; rule?: string; severity?: string; json?: boolean }) =>
      run(program, async (context) => {
        const findings = await audit(context, options);
        if (options.json) return printJson(findings);
        if (!findings.length) return void process.stdout.write('(no findings)\n');
        for (const finding of findings) {
          process.stdout.write(`${finding.severity.toUpperCase()} ${finding.rule}: ${finding.message}\n  why: ${finding.why}\n  fix:\n${finding.fix.split('\n').map((line) => `    ${line}`).join('\n')}\n\n`);
        }
        const counts = SEVERITIES.map((severity) => `${findings.filter((finding) => finding.severity === severity).length} ${severity}`);
        process.stdout.write(`${findings.length} findings: ${counts.join(', ')}\n`);
      }),
    );

  auditCommand
    .command('fix <rule>')
    .description("print the plan that fixes a rule's findings on a host; --apply carries it out (vmotion-not-enabled, on a host synced from vCenter)")
    .option('--host <name>', 'the host (required)')
    .option('--apply', 'carry the plan out in vCenter and record what changed')
    .option('--account <name>', 'the vSphere account to apply it through (default: the account the host was synced from)')
    .option('--json', 'print JSON')
    .action((rule: string, _local: unknown, command: Command) =>
      run(program, async (context) => {
        // `audit` has --host and --json too, and the program's global option parsing gives them to it.
        const options = command.optsWithGlobals<{ host?: string; apply?: boolean; account?: string; json?: boolean }>();
        if (!options.host) throw invalid('host', 'name the host: hostwire audit fix RULE --host NAME');
        const plan = await planFix(context, rule, options.host);
        if (!options.apply) {
          if (options.json) return printJson(plan);
          return printPlan(plan);
        }
        const applied = await applyFix(context, rule, options.host, { account: options.account });
        // Some vmks refused: the command failed, though the others were fixed and recorded.
        if (applied.results.some((result) => !result.ok)) process.exitCode = 1;
        if (options.json) return printJson(applied);
        printPlan(applied);
        process.stdout.write(`applied through account ${applied.account}:\n`);
        for (const result of applied.results) process.stdout.write(`  ${result.host} ${result.vmk}: ${result.ok ? 'ok' : 'FAILED'}: ${result.message}\n`);
      }),
    );

  const sim = program.command('sim').description('failure simulation: failover, balance and vMotion streams from the model');
  const simSettings = (command: Command) =>
    command
      .option('--beacon-interval <seconds>', "the host's beacon interval (Net.BeaconInterval, default 1)")
      .option('--beacon-threshold <n>', "the host's beacon failure threshold (Net.BeaconThreshold, default 3; 0 turns it off)")
      .option('--upstream <name=nics>', 'an upstream physical switch and the host NICs cabled to it, e.g. sw-a=vmnic0,vmnic2 (repeatable)', collect, []);
  const settingsOf = (options: { beaconInterval?: string; beaconThreshold?: string; upstream: string[] }): SimSettings => ({ beaconInterval: options.beaconInterval, beaconThreshold: options.beaconThreshold, upstream: options.upstream });

  simSettings(sim.command('fail'))
    .description('what fails over where, and what loses connectivity, when links or switches fail')
    .requiredOption('--host <name>', 'the host')
    .option('--link <nics>', 'NICs whose link goes down, comma-separated')
    .option('--switch-down <names>', 'upstream switches, host switches or NICs whose path breaks while links stay up, comma-separated')
    .option('--all-links-up', "start from every link up, not from the links the host's last facts saw down")
    .option('--json', 'print JSON')
    .action((options: { host: string; link?: string; switchDown?: string; allLinksUp?: boolean; json?: boolean; beaconInterval?: string; beaconThreshold?: string; upstream: string[] }) =>
      run(program, async (context) => {
        const entries = await simulateHostFailure(context, options.host, { links: list(options.link), switchDown: list(options.switchDown) }, { ...settingsOf(options), allLinksUp: options.allLinksUp });
        if (options.json) return printJson(entries);
        printTable(entries, [
          { header: 'OBJECT', value: (e) => e.object },
          { header: 'KIND', value: (e) => e.kind },
          { header: 'BEFORE', value: (e) => e.before ?? '-' },
          { header: 'AFTER', value: (e) => e.after ?? '-' },
          { header: 'CONNECTED', value: (e) => (e.connected ? 'yes' : 'NO') },
          { header: 'DETECT', value: (e) => (e.detectSeconds === null ? 'never' : `${e.detectSeconds}s`) },
          { header: 'RECOVERY', value: (e) => e.recovery },
        ], 'nothing on this host uses those links');
      }),
    );
  simSettings(sim.command('balance'))
    .description('how VMs and vmks spread over the uplinks under the configured policy')
    .requiredOption('--host <name>', 'the host')
    .option('--json', 'print JSON')
    .action((options: { host: string; json?: boolean; beaconInterval?: string; beaconThreshold?: string; upstream: string[] }) =>
      run(program, async (context) => {
        const teams = await simulateHostBalance(context, options.host, settingsOf(options));
        if (options.json) return printJson(teams);
        for (const team of teams) {
          process.stdout.write(`${team.team}:\n`);
          for (const uplink of team.uplinks) process.stdout.write(`  ${uplink.uplink}: ${uplink.count} ${uplink.objects.length ? `(${uplink.objects.join(', ')})` : ''}\n`);
          for (const spread of team.perFlow) process.stdout.write(`  ${spread.object}: per flow over ${spread.uplinks.join(', ')}\n`);
          for (const note of team.notes) process.stdout.write(`  note: ${note}\n`);
        }
      }),
    );
  simSettings(sim.command('vmotion'))
    .description('the vMotion streams between two hosts (vmk pairs by subnet) and their bandwidth bound')
    .requiredOption('--from <host>', 'the source host')
    .requiredOption('--to <host>', 'the destination host')
    .option('--json', 'print JSON')
    .action((options: { from: string; to: string; json?: boolean; beaconInterval?: string; beaconThreshold?: string; upstream: string[] }) =>
      run(program, async (context) => {
        const plan = await planHostVmotion(context, options.from, options.to, settingsOf(options));
        if (options.json) return printJson(plan);
        printTable(plan.streams, [
          { header: 'SUBNET', value: (s) => s.subnet },
          { header: 'FROM', value: (s) => `${s.source.vmk} ${s.source.address} via ${s.source.uplink ?? '-'}` },
          { header: 'TO', value: (s) => `${s.destination.vmk} ${s.destination.address} via ${s.destination.uplink ?? '-'}` },
        ], 'no vMotion stream: no vMotion vmks share a subnet');
        process.stdout.write(`bandwidth bound: ${plan.bandwidthMbps === null ? 'unknown (NIC speeds not known)' : `${plan.bandwidthMbps} Mbit/s`}\n`);
        for (const note of plan.notes) process.stdout.write(`note: ${note}\n`);
      }),
    );
}
