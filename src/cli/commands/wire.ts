import type { Command } from 'commander';
import { createWire, deleteWire, listWires, showWire, updateWire, type WireSummary } from '../../services/wires.ts';
import type { Runner } from '../main.ts';
import { printFields, printJson, printTable, utilizationJson } from '../output.ts';

const wireJson = (wire: WireSummary) => ({ ...wire, utilization: utilizationJson(wire.utilization) });

export function registerWireCommands(program: Command, run: Runner): void {
  const wire = program.command('wire').description('L2 broadcast domains');

  wire
    .command('create <name>')
    .description('declare a wire')
    .option('--mtu <n>', 'MTU of the L2 domain', '1500')
    .option('--description <text>', 'what the wire is')
    .option('--json', 'print JSON')
    .action((name: string, options: { mtu: string; description?: string; json?: boolean }) =>
      run(program, async (context) => {
        const created = await createWire(context, { name, mtu: options.mtu, description: options.description });
        if (options.json) printJson(created);
        else process.stdout.write(`created wire ${created.name} (MTU ${created.mtu})\n`);
      }),
    );

  wire
    .command('list')
    .description('list wires with their subnets and utilization')
    .option('--q <text>', 'only names containing this text')
    .option('--limit <n>', 'at most this many rows')
    .option('--json', 'print JSON')
    .action((options: { q?: string; limit?: string; json?: boolean }) =>
      run(program, async (context) => {
        const wires = await listWires(context, { q: options.q, limit: options.limit });
        if (options.json) return printJson(wires.map(wireJson));
        printTable(wires, [
          { header: 'NAME', value: (w) => w.name },
          { header: 'MTU', value: (w) => w.mtu, align: 'right' },
          { header: 'ORIGIN', value: (w) => w.origin },
          { header: 'SUBNETS', value: (w) => w.subnets, align: 'right' },
          { header: 'USED', value: (w) => w.utilization.used, align: 'right' },
          { header: 'FREE', value: (w) => w.utilization.free, align: 'right' },
          { header: 'UTIL', value: (w) => `${w.utilization.percent}%`, align: 'right' },
          { header: 'DESCRIPTION', value: (w) => w.description },
        ], 'no wires; create one with: hostwire wire create NAME');
      }),
    );

  wire
    .command('show <name>')
    .description('one wire')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const found = await showWire(context, name);
        if (options.json) return printJson(wireJson(found));
        printFields([
          ['name', found.name],
          ['description', found.description],
          ['mtu', found.mtu],
          ['origin', found.origin],
          ['subnets', found.subnets],
          ['capacity', found.utilization.capacity],
          ['used', found.utilization.used],
          ['free', found.utilization.free],
        ]);
      }),
    );

  wire
    .command('update <name>')
    .description("change a wire's MTU or description")
    .option('--mtu <n>', 'MTU of the L2 domain')
    .option('--description <text>', 'what the wire is')
    .option('--json', 'print JSON')
    .action((name: string, options: { mtu?: string; description?: string; json?: boolean }) =>
      run(program, async (context) => {
        const updated = await updateWire(context, name, options);
        if (options.json) printJson(updated);
        else process.stdout.write(`wire ${updated.name}: MTU ${updated.mtu}\n`);
      }),
    );

  wire
    .command('delete <name>')
    .description('delete a wire that carries no subnet')
    .action((name: string) =>
      run(program, async (context) => {
        await deleteWire(context, name);
        process.stdout.write(`deleted wire ${name}\n`);
      }),
    );
}
