import type { Command } from 'commander';
import type { AddressRecord } from '../../domain/model.ts';
import { allocate, listAddresses, parseOwner, release, reserve } from '../../ipam/allocation.ts';
import { ownerLabel } from '../../ipam/records.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

/** The `ip ... --json` contract: address, subnet, state, owner (fields may be added). */
export const addressJson = (record: AddressRecord) => ({ ...record, owner: ownerLabel(record) });

const printRecords = (records: AddressRecord[], json: boolean | undefined, empty: string) =>
  json
    ? printJson(records.map(addressJson))
    : printTable(records, [
        { header: 'ADDRESS', value: (r) => r.address },
        { header: 'SUBNET', value: (r) => r.subnet },
        { header: 'STATE', value: (r) => r.state },
        { header: 'OWNER', value: (r) => ownerLabel(r) },
        { header: 'NOTE', value: (r) => r.note },
      ], empty);

export function registerIpCommands(program: Command, run: Runner): void {
  const ip = program.command('ip').description('address records: allocate, reserve, release, list');

  ip.command('allocate')
    .description("allocate addresses by the subnet's policy, or one given address; all or nothing")
    .requiredOption('--subnet <name>', 'the subnet to allocate from')
    .option('--count <n>', 'how many addresses', '1')
    .option('--ip <address>', 'this address instead of the next by policy')
    .option('--owner <text>', 'who holds it: free text, or KIND:ID with KIND one of vnic, host-interface, pxe-host')
    .option('--note <text>', 'a note kept with each address')
    .option('--json', 'print JSON')
    .action((options: { subnet: string; count: string; ip?: string; owner?: string; note?: string; json?: boolean }) =>
      run(program, async (context) => {
        const records = await allocate(context, { subnet: options.subnet, count: options.count, address: options.ip, owner: parseOwner(options.owner), note: options.note });
        printRecords(records, options.json, 'nothing allocated');
      }),
    );

  ip.command('reserve <address>')
    .description('reserve an address so that allocation never hands it out')
    .requiredOption('--subnet <name>', 'the subnet the address belongs to')
    .option('--note <text>', 'why it is reserved')
    .option('--json', 'print JSON')
    .action((address: string, options: { subnet: string; note?: string; json?: boolean }) =>
      run(program, async (context) => {
        const record = await reserve(context, { subnet: options.subnet, address, note: options.note });
        if (options.json) printJson(addressJson(record));
        else process.stdout.write(`reserved ${record.address} in ${record.subnet}\n`);
      }),
    );

  ip.command('release <address>')
    .description("release an address; it is handed out again after the subnet's hold-down")
    .option('--space <space>', 'IP space', 'default')
    .option('--json', 'print JSON')
    .action((address: string, options: { space: string; json?: boolean }) =>
      run(program, async (context) => {
        const record = await release(context, { address, space: options.space });
        if (options.json) printJson(addressJson(record));
        else process.stdout.write(`released ${record.address} from ${record.subnet}\n`);
      }),
    );

  ip.command('list')
    .description('list address records')
    .option('--subnet <name>', 'only this subnet')
    .option('--state <state>', 'only allocated, reserved or discovered')
    .option('--limit <n>', 'at most this many rows')
    .option('--json', 'print JSON')
    .action((options: { subnet?: string; state?: string; limit?: string; json?: boolean }) =>
      run(program, async (context) => {
        const records = await listAddresses(context, { subnet: options.subnet, state: options.state, limit: options.limit });
        printRecords(records, options.json, 'no addresses');
      }),
    );
}
