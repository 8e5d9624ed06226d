import type { Command } from 'commander';
import { summarizeEstate } from '../../services/summary.ts';
import type { Runner } from '../main.ts';
import { printFields, printJson, printTable } from '../output.ts';
import { subnetJson } from './subnet.ts';

export function registerSummaryCommand(program: Command, run: Runner): void {
  program
    .command('summary')
    .description('the estate at a glance: counts, findings by severity, the fullest subnets')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const summary = await summarizeEstate(context);
        if (options.json) return printJson({ ...summary, fullestSubnets: summary.fullestSubnets.map(subnetJson) });
        printFields([
          ['hosts', summary.hosts],
          ['VMs', summary.vms],
          ['wires', summary.wires],
          ['subnets', summary.subnets],
          ['findings', `${summary.findings.error} error, ${summary.findings.warning} warning, ${summary.findings.info} info`],
        ]);
        process.stdout.write('\nfullest subnets:\n');
        printTable(summary.fullestSubnets, [
          { header: 'SUBNET', value: (subnet) => subnet.name },
          { header: 'CIDR', value: (subnet) => subnet.cidr },
          { header: 'WIRE', value: (subnet) => subnet.wire },
          { header: 'USED', value: (subnet) => `${subnet.utilization.used}/${subnet.utilization.capacity}`, align: 'right' },
          { header: '%', value: (subnet) => subnet.utilization.percent, align: 'right' },
        ], 'no subnets');
      }),
    );
}
