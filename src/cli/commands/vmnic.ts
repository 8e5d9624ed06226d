import type { Command } from 'commander';
import { HostwireError } from '../../domain/errors.ts';
import { ProvisionError, provisionVmNic, type ProvisionResult } from '../../reconcile/provision.ts';
import type { Runner } from '../main.ts';
import { printFields, printJson } from '../output.ts';

function printResult(result: ProvisionResult): void {
  const pg = result.portgroup;
  printFields([
    ['vm', `${result.vm.name} (${result.vm.uuid})`],
    ['host', result.host],
    ['mac', result.mac],
    ['port group', `${pg.name} (${pg.kind}, switch ${pg.switch}, wire ${pg.wire}, ${pg.vlan})`],
    ['also qualifying', result.alsoQualifying.length ? `${result.alsoQualifying.join(', ')} (chosen: standard before distributed, then by name)` : ''],
    ['address', `${result.address}/${result.subnetMask}`],
    ['subnet', result.subnet],
    ['gateway', result.gateway],
    ['dns', result.dns.join(', ')],
    ['guest name', `${result.hostName}.${result.domain}`],
    ['customized', result.nics.map((nic) => `${nic.mac} ${nic.setting}`).join('; ')],
  ]);
  for (const warning of result.warnings) process.stdout.write(`warning: ${warning}\n`);
}

/** `hostwire vm nic add VM --subnet NAME [--ip ADDRESS] [--json]`, under the `vm` command. */
export function registerVmNicCommand(program: Command, run: Runner): void {
  const vm = program.commands.find((command) => command.name() === 'vm') ?? program.command('vm').description('virtual machines, their NICs and IPs');
  const nic = vm.commands.find((command) => command.name() === 'nic') ?? vm.command('nic').description("a VM's network adapters in vCenter");
  nic.exitOverride();
  nic
    .command('add <vm>')
    .description(
      'add a vmxnet3 NIC to a synced, powered-off VM (name or instance UUID) on a port group of its host that carries the subnet (wire and VLAN), ' +
        'with an address allocated from the subnet and set by guest customization; a failed step undoes the others',
    )
    .requiredOption('--subnet <name>', 'the subnet to take the address from')
    .option('--ip <address>', 'this address of the subnet (default: by the subnet\'s allocation policy)')
    .option('--json', 'print JSON')
    .exitOverride()
    .action((ref: string, options: { subnet: string; ip?: string; json?: boolean }) =>
      run(program, async (context) => {
        let result: ProvisionResult;
        try {
          result = await provisionVmNic(context, { vm: ref, subnet: options.subnet, ip: options.ip });
        } catch (error) {
          // Refusals and bad input exit like every other command (2, 3, 4); vCenter failures with 1.
          if (error instanceof ProvisionError && error.kind !== 'internal') throw new HostwireError(error.kind, error.message);
          throw error;
        }
        if (options.json) return printJson(result);
        printResult(result);
      }),
    );
}
