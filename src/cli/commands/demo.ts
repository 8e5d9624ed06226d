import type { Command } from 'commander';
import { listSubnets } from '../../ipam/subnets.ts';
import { seedDemo } from '../../services/demo.ts';
import { listWires } from '../../services/wires.ts';
import type { Runner } from '../main.ts';
import { printTable } from '../output.ts';

export function registerDemoCommand(program: Command, run: Runner): void {
  program
    .command('demo')
    .description('create a demo address plan (wires, subnets, allocations) in the store and print it')
    .action(() =>
      run(program, async (context) => {
        const created = await seedDemo(context);
        process.stdout.write(`${created ? 'created the demo estate in' : 'the demo estate is already in'} ${context.store.location}\n\nWires\n`);
        printTable(await listWires(context), [
          { header: 'NAME', value: (w) => w.name },
          { header: 'MTU', value: (w) => w.mtu, align: 'right' },
          { header: 'SUBNETS', value: (w) => w.subnets, align: 'right' },
          { header: 'USED', value: (w) => w.utilization.used, align: 'right' },
          { header: 'DESCRIPTION', value: (w) => w.description },
        ]);
        process.stdout.write('\nSubnets\n');
        printTable(await listSubnets(context), [
          { header: 'NAME', value: (s) => s.name },
          { header: 'WIRE', value: (s) => s.wire },
          { header: 'CIDR', value: (s) => s.cidr },
          { header: 'VLAN', value: (s) => s.vlan, align: 'right' },
          { header: 'GATEWAY', value: (s) => s.gateway },
          { header: 'POLICY', value: (s) => s.policy },
          { header: 'CAPACITY', value: (s) => s.utilization.capacity, align: 'right' },
          { header: 'USED', value: (s) => s.utilization.used, align: 'right' },
          { header: 'FREE', value: (s) => s.utilization.free, align: 'right' },
        ]);
        process.stdout.write(`\nTry: hostwire --db ${context.store.location} ip allocate --subnet vm-web --count 3\n`);
      }),
    );
}
