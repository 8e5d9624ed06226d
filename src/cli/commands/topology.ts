import type { Command } from 'commander';
import { listPortgroups, mergeWires, suggestMerges } from '../../reconcile/wires.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

/** Commands about how switches and port groups map to wires: portgroup list, wire merge, wire suggest-merges. */
export function registerTopologyCommands(program: Command, run: Runner): void {
  const wire = program.commands.find((command) => command.name() === 'wire')!;
  wire
    .command('merge <sources...>')
    .description('merge wires that are one L2 domain: their subnets and switch mappings move into --into')
    .requiredOption('--into <wire>', 'the wire that remains')
    .option('--json', 'print JSON')
    .action((sources: string[], options: { into: string; json?: boolean }) =>
      run(program, async (context) => {
        const result = await mergeWires(context, sources, options.into);
        if (options.json) return printJson(result);
        process.stdout.write(`merged ${sources.join(', ')} into ${result.into}: ${result.moved.subnets.length} subnet(s), ${result.moved.switches} switch mapping(s) moved\n`);
      }),
    );
  wire
    .command('suggest-merges')
    .description('auto-created wires that evidence says are one L2 domain with another wire')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const suggestions = await suggestMerges(context);
        if (options.json) return printJson(suggestions);
        if (!suggestions.length) return void process.stdout.write('(no merge suggested)\n');
        for (const suggestion of suggestions) {
          process.stdout.write(`hostwire wire merge ${suggestion.wires.map((name) => JSON.stringify(name)).join(' ')} --into ${JSON.stringify(suggestion.into)}\n${suggestion.evidence.map((line) => `  because ${line}\n`).join('')}`);
        }
      }),
    );

  program
    .command('portgroup')
    .description('where guests attach across hosts (ESXi port groups, Linux, Xen and KVM bridges), with their switch, VLAN, wire and subnet')
    .command('list')
    .option('--host <name>', 'only this host')
    .option('--json', 'print JSON: kind, host, switch, name, vlan, wire, subnet')
    .action((options: { host?: string; json?: boolean }) =>
      run(program, async (context) => {
        const portgroups = await listPortgroups(context, options);
        if (options.json) return printJson(portgroups);
        printTable(portgroups, [
          { header: 'HOST', value: (p) => p.host },
          { header: 'KIND', value: (p) => p.kind },
          { header: 'SWITCH', value: (p) => p.switch },
          { header: 'PORT GROUP', value: (p) => p.name },
          { header: 'VLAN', value: (p) => (p.vlan === 4095 ? 'trunk' : p.vlan), align: 'right' },
          { header: 'WIRE', value: (p) => p.wire },
          { header: 'SUBNET', value: (p) => p.subnets.join(',') },
        ], 'no port groups');
      }),
    );
}
