import type { Command } from 'commander';
import { ALLOCATION_POLICIES } from '../../domain/model.ts';
import { createSubnet, deleteSubnet, listSubnets, showSubnet, updateSubnet, type SubnetSummary } from '../../ipam/subnets.ts';
import type { Runner } from '../main.ts';
import { printFields, printJson, printTable, utilizationJson } from '../output.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const splitList = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter(Boolean));

/** The `subnet list --json` contract: name, wire, cidr, vlan, gateway, capacity, used, free (fields may be added). */
export function subnetJson(subnet: SubnetSummary) {
  const { capacity, used, free, held, percent } = utilizationJson(subnet.utilization);
  return { ...subnet, capacity, used, free, held, percent, utilization: undefined };
}

export function registerSubnetCommands(program: Command, run: Runner): void {
  const subnet = program.command('subnet').description('subnets: CIDR, VLAN, gateway, DNS, pools and allocation policy');

  subnet
    .command('create <name>')
    .description('create a subnet on a wire; its gateway is reserved at once')
    .requiredOption('--wire <wire>', 'the wire (L2 domain) the subnet lives on')
    .requiredOption('--cidr <cidr>', 'network address and prefix length, e.g. 10.0.0.0/24 or 2001:db8::/64')
    .option('--vlan <n>', 'VLAN ID: 0 untagged, 1-4094 tagged', '0')
    .option('--gateway <ip>', 'default gateway, inside the subnet')
    .option('--dns <ip,ip>', 'DNS servers, comma-separated')
    .option('--domain <domain>', 'DNS domain')
    .option('--pool <start-end>', 'allocation pool (repeatable); default: every usable address', collect, [])
    .option('--policy <policy>', `allocation policy: ${ALLOCATION_POLICIES.join(', ')}`, 'lowest')
    .option('--hold-down <seconds>', 'seconds a released address waits before it is handed out again', '0')
    .option('--space <space>', 'IP space', 'default')
    .option('--json', 'print JSON')
    .action((name: string, options: { wire: string; cidr: string; vlan: string; gateway?: string; dns?: string; domain?: string; pool: string[]; policy: string; holdDown: string; space: string; json?: boolean }) =>
      run(program, async (context) => {
        const created = await createSubnet(context, {
          name,
          wire: options.wire,
          cidr: options.cidr,
          vlan: options.vlan,
          gateway: options.gateway,
          dns: splitList(options.dns),
          domain: options.domain,
          pools: options.pool,
          policy: options.policy,
          holdDownSeconds: options.holdDown,
          space: options.space,
        });
        if (options.json) printJson(created);
        else process.stdout.write(`created subnet ${created.name} ${created.cidr} on wire ${created.wire} (VLAN ${created.vlan})\n`);
      }),
    );

  subnet
    .command('list')
    .description('list subnets with capacity, used and free addresses')
    .option('--wire <wire>', 'only subnets of this wire')
    .option('--vlan <n>', 'only subnets with this VLAN ID')
    .option('--q <text>', 'only names containing this text')
    .option('--limit <n>', 'at most this many rows')
    .option('--json', 'print JSON')
    .action((options: { wire?: string; vlan?: string; q?: string; limit?: string; json?: boolean }) =>
      run(program, async (context) => {
        const subnets = await listSubnets(context, { wire: options.wire, vlan: options.vlan, q: options.q, limit: options.limit });
        if (options.json) return printJson(subnets.map(subnetJson));
        printTable(subnets, [
          { header: 'NAME', value: (s) => s.name },
          { header: 'WIRE', value: (s) => s.wire },
          { header: 'CIDR', value: (s) => s.cidr },
          { header: 'VLAN', value: (s) => s.vlan, align: 'right' },
          { header: 'GATEWAY', value: (s) => s.gateway },
          { header: 'CAPACITY', value: (s) => s.utilization.capacity, align: 'right' },
          { header: 'USED', value: (s) => s.utilization.used, align: 'right' },
          { header: 'FREE', value: (s) => s.utilization.free, align: 'right' },
          { header: 'UTIL', value: (s) => `${s.utilization.percent}%`, align: 'right' },
        ], 'no subnets; create one with: hostwire subnet create NAME --wire WIRE --cidr CIDR');
      }),
    );

  subnet
    .command('show <name>')
    .description('one subnet with its pools and utilization')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const found = await showSubnet(context, name);
        if (options.json) return printJson({ ...subnetJson(found), addressesByState: found.addressesByState });
        printFields([
          ['name', found.name],
          ['wire', found.wire],
          ['space', found.space],
          ['cidr', found.cidr],
          ['vlan', found.vlan === 0 ? '0 (untagged)' : found.vlan],
          ['gateway', found.gateway],
          ['dns', found.dns.join(', ')],
          ['domain', found.domain],
          ['pools', found.pools.map((pool) => `${pool.first}-${pool.last}`).join(', ')],
          ['policy', found.policy],
          ['hold-down', `${found.holdDownSeconds} s`],
          ['capacity', found.utilization.capacity],
          ['used', `${found.utilization.used} (${Object.entries(found.addressesByState).map(([state, n]) => `${n} ${state}`).join(', ') || 'none'})`],
          ['free', found.utilization.free],
          ['held', found.utilization.held],
          ['utilization', `${found.utilization.percent}%`],
        ]);
      }),
    );

  subnet
    .command('update <name>')
    .description('change a subnet; a new gateway is reserved, new pools are rebuilt around what is taken')
    .option('--wire <wire>', 'move it to this wire')
    .option('--vlan <n>', 'VLAN ID: 0 untagged, 1-4094 tagged')
    .option('--gateway <ip>', 'new default gateway')
    .option('--no-gateway', 'remove the gateway')
    .option('--dns <ip,ip>', 'DNS servers, comma-separated (empty to clear)')
    .option('--domain <domain>', 'DNS domain')
    .option('--pool <start-end>', 'allocation pools, replacing the current ones (repeatable)', collect, [])
    .option('--policy <policy>', `allocation policy: ${ALLOCATION_POLICIES.join(', ')}`)
    .option('--hold-down <seconds>', 'seconds a released address waits before it is handed out again')
    .option('--json', 'print JSON')
    .action((name: string, options: { wire?: string; vlan?: string; gateway?: string | boolean; dns?: string; domain?: string; pool: string[]; policy?: string; holdDown?: string; json?: boolean }) =>
      run(program, async (context) => {
        const updated = await updateSubnet(context, name, {
          wire: options.wire,
          vlan: options.vlan,
          // commander sets `gateway: true` when neither --gateway nor --no-gateway is given.
          gateway: typeof options.gateway === 'string' ? options.gateway : options.gateway === false ? null : undefined,
          dns: splitList(options.dns),
          domain: options.domain,
          pools: options.pool.length ? options.pool : undefined,
          policy: options.policy,
          holdDownSeconds: options.holdDown,
        });
        if (options.json) printJson(updated);
        else process.stdout.write(`updated subnet ${updated.name} ${updated.cidr}\n`);
      }),
    );

  subnet
    .command('delete <name>')
    .description('delete a subnet; refused while addresses are allocated')
    .action((name: string) =>
      run(program, async (context) => {
        await deleteSubnet(context, name);
        process.stdout.write(`deleted subnet ${name}\n`);
      }),
    );
}
