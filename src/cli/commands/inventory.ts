import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerHostNetworkCommands } from './host-network.ts';
import { parseAllDocuments } from 'yaml';
import { parseApplyDocument } from '../../domain/declaration.ts';
import { HostwireError, invalid } from '../../domain/errors.ts';
import { applyDeclarations, type ParsedDeclaration } from '../../services/declarations.ts';
import { listHosts, showHost } from '../../services/hosts.ts';
import { deleteTag, listTags, setTag, TAGGABLE_KINDS, type TaggableKind } from '../../services/tags.ts';
import { describeVmNetworks, listVms, showVm, type VmNetworkView } from '../../services/vms.ts';
import type { Runner } from '../main.ts';
import { printFields, printJson, printTable } from '../output.ts';

export function registerInventoryCommands(program: Command, run: Runner): void {
  const host = program.command('host').description('hypervisor hosts and their interfaces');
  host
    .command('list')
    .description('list hosts')
    .option('--cluster <name>', 'only this cluster')
    .option('--q <text>', 'only names containing this text')
    .option('--limit <n>', 'at most this many rows')
    .option('--json', 'print JSON')
    .action((options: { cluster?: string; q?: string; limit?: string; json?: boolean }) =>
      run(program, async (context) => {
        const hosts = await listHosts(context, options);
        if (options.json) return printJson(hosts);
        printTable(hosts, [
          { header: 'NAME', value: (h) => h.name },
          { header: 'PLATFORM', value: (h) => h.platform },
          { header: 'OS', value: (h) => h.osFamily },
          { header: 'CLUSTER', value: (h) => h.cluster },
          { header: 'MANAGEMENT', value: (h) => h.managementAddress },
          { header: 'SOURCE', value: (h) => h.sourceAccount },
        ], 'no hosts');
      }),
    );
  host
    .command('apply <file>')
    .description("create or update hosts' declared interfaces from a YAML file (several documents allowed); all or nothing")
    .option('--json', 'print JSON')
    .action((file: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const applied = await applyDeclarations(context, readDeclarations(file));
        if (options.json) return printJson(applied);
        for (const detail of applied) process.stdout.write(`applied ${detail.name}: ${detail.interfaces.length} interfaces\n`);
      }),
    );
  registerHostNetworkCommands(host, program, run);
  host
    .command('show <name>')
    .description('one host with its declared interfaces')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const found = await showHost(context, name);
        if (options.json) return printJson(found);
        printFields([
          ['name', found.name],
          ['platform', found.platform],
          ['os', found.osFamily],
          ['cluster', found.cluster],
          ['management', found.managementAddress],
          ['hardware uuid', found.hardwareUuid],
        ]);
        process.stdout.write('\n');
        printTable(found.interfaces, [
          { header: 'INTERFACE', value: (i) => i.name },
          { header: 'KIND', value: (i) => i.kind },
          { header: 'ON', value: (i) => ('uplinks' in i ? i.uplinks.join(',') : 'members' in i ? i.members.join(',') : 'ports' in i ? i.ports.join(',') : 'parent' in i ? i.parent : 'switch' in i ? i.switch : 'attachment' in i ? i.attachment : '') },
          { header: 'VLAN', value: (i) => ('vlan' in i ? i.vlan : '') },
          { header: 'MTU', value: (i) => i.mtu },
          { header: 'ADDRESSES', value: (i) => ('addresses' in i ? (i.addresses ?? []).join(',') : '') },
        ], 'no interfaces declared');
      }),
    );

  const vm = program.command('vm').description('virtual machines, their NICs and IPs');
  const vmJson = (view: VmNetworkView) => ({ name: view.name, uuid: view.uuid, host: view.host, powerState: view.powerState, toolsState: view.toolsState, biosUuid: view.biosUuid, sourceAccount: view.sourceAccount, nics: view.nics });
  vm.command('list')
    .description('list VMs with their attached and unattached IPs')
    .option('--host <name>', 'only VMs on this host')
    .option('--q <text>', 'only names containing this text')
    .option('--limit <n>', 'at most this many rows')
    .option('--json', 'print JSON: name, uuid, host, nics[{mac, portgroup, ips[{address, subnet, reason}]}]')
    .action((options: { host?: string; q?: string; limit?: string; json?: boolean }) =>
      run(program, async (context) => {
        const views = await describeVmNetworks(context, await listVms(context, options));
        if (options.json) return printJson(views.map(vmJson));
        const ips = (view: VmNetworkView, attached: boolean) => view.nics.flatMap((nic) => nic.ips.filter((ip) => (ip.subnet !== null) === attached).map((ip) => ip.address)).join(',');
        printTable(views, [
          { header: 'NAME', value: (v) => v.name },
          { header: 'HOST', value: (v) => v.host },
          { header: 'POWER', value: (v) => v.powerState },
          { header: 'TOOLS', value: (v) => v.toolsState },
          { header: 'ATTACHED IPS', value: (v) => ips(v, true) },
          { header: 'UNATTACHED (see vm show)', value: (v) => ips(v, false) },
        ], 'no VMs');
      }),
    );
  vm.command('show <vm>')
    .description('one VM (by UUID or unique name) with its NICs and why any IP is not attached')
    .option('--json', 'print JSON')
    .action((ref: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const [view] = await describeVmNetworks(context, [await showVm(context, ref)]);
        if (options.json) return printJson(vmJson(view!));
        printFields([
          ['name', view!.name],
          ['uuid', view!.uuid],
          ['host', view!.host],
          ['power', view!.powerState],
          ['tools', view!.toolsState],
        ]);
        process.stdout.write('\n');
        const rows = view!.nics.flatMap((nic) => (nic.ips.length ? nic.ips : [{ address: '', subnet: null, reason: null }]).map((ip) => ({ nic, ip })));
        printTable(rows, [
          { header: 'MAC', value: (r) => r.nic.mac },
          { header: 'PORT GROUP', value: (r) => r.nic.portgroup },
          { header: 'IP', value: (r) => r.ip.address },
          { header: 'SUBNET', value: (r) => r.ip.subnet },
          { header: 'WHY NOT ATTACHED', value: (r) => r.ip.reason },
        ], 'no NICs');
      }),
    );

  const tag = program.command('tag').description(`key/value tags on ${TAGGABLE_KINDS.join(', ')} (VMs by UUID, addresses by address)`);
  tag.command('set <kind> <name> <key> <value>')
    .description('set a tag')
    .action((kind: string, name: string, key: string, value: string) =>
      run(program, async (context) => {
        await setTag(context, { kind: kind as TaggableKind, name }, key, value);
      }),
    );
  tag.command('delete <kind> <name> <key>')
    .description('remove a tag')
    .action((kind: string, name: string, key: string) =>
      run(program, async (context) => {
        await deleteTag(context, { kind: kind as TaggableKind, name }, key);
      }),
    );
  tag.command('list <kind> <name>')
    .description("an object's tags")
    .option('--json', 'print JSON')
    .action((kind: string, name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const tags = await listTags(context, { kind: kind as TaggableKind, name });
        if (options.json) return printJson(tags);
        printTable(Object.entries(tags), [
          { header: 'KEY', value: ([key]) => key },
          { header: 'VALUE', value: ([, value]) => value },
        ], 'no tags');
      }),
    );
}

/** Reads a declaration file: YAML syntax errors name the line, schema errors the document and field. */
function readDeclarations(file: string): ParsedDeclaration[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid('file', `cannot read ${file}: ${(error as Error).message}`);
  }
  const documents = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(documents)) throw invalid('file', `${file} is empty`);
  return documents
    .filter((document) => document.contents !== null)
    .flatMap((document, index) => {
      const [error] = document.errors;
      if (error) {
        const line = error.linePos?.[0]?.line;
        throw new HostwireError('validation', `${file}${line ? ` line ${line}` : ''}: ${error.message.split('\n')[0]}`, [{ path: `document ${index + 1}`, message: error.message }]);
      }
      return parseApplyDocument(document.toJS(), `${file} document ${index + 1}`);
    });
}
