/** `hostwire pxe host ...` and `hostwire pxe image ...`: the hosts to install over PXE and their installer images. */
import type { Command } from 'commander';
import { BOOT_MODES, IMAGE_KINDS, type PxeHost, type PxeImage } from '../../pxe/model.ts';
import { addPxeHost, addPxeImage, listPxeHosts, listPxeImages, removePxeHost, showPxeHost } from '../../services/pxe.ts';
import type { Runner } from '../main.ts';
import { printFields, printJson, printTable } from '../output.ts';

const hostFields = (host: PxeHost): [string, unknown][] => [
  ['name', host.name],
  ['mac', host.mac],
  ['subnet', host.subnet],
  ['address', host.address],
  ['hostname', host.hostname],
  ['vlan', host.vlan ?? 'untagged'],
  ['boot', host.boot],
  ['image', host.image],
  ['created', host.createdAt],
];

/** Registers `pxe` with its `host` and `image` subcommands; returns `pxe` for the commands that render and serve. */
export function registerPxeCommands(program: Command, run: Runner): Command {
  const pxe = program.command('pxe').description('PXE provisioning of new hypervisor hosts');

  const host = pxe.command('host').description('hosts to install: MAC, address from the IPAM, boot mode, image');
  host
    .command('add <host>')
    .description('record a host to install; its address is allocated (or the given one taken) as owner pxe-host:HOST')
    .requiredOption('--mac <mac>', "the MAC of the NIC it PXE boots from")
    .requiredOption('--subnet <name>', 'the subnet its address comes from')
    .option('--ip <address>', 'this address instead of the next by the subnet policy')
    .option('--boot <mode>', `firmware: ${BOOT_MODES.join(', ')} (auto answers each by its DHCP architecture)`, 'auto')
    .requiredOption('--image <name>', 'the installer image it boots (hostwire pxe image add)')
    .option('--hostname <fqdn>', "default: HOST plus the subnet's domain")
    .option('--vlan <n>', "the management VLAN the installer tags (default: the subnet's, when tagged)")
    .option('--json', 'print JSON')
    .action((name: string, options: { mac: string; subnet: string; ip?: string; boot: string; image: string; hostname?: string; vlan?: string; json?: boolean }) =>
      run(program, async (context) => {
        const added = await addPxeHost(context, { name, mac: options.mac, subnet: options.subnet, ip: options.ip, boot: options.boot, image: options.image, hostname: options.hostname, vlan: options.vlan });
        if (options.json) printJson(added);
        else process.stdout.write(`added PXE host ${added.name}: ${added.mac} -> ${added.address} (${added.subnet}${added.vlan ? `, VLAN ${added.vlan}` : ''}), ${added.boot} boot of ${added.image}\n`);
      }),
    );

  host
    .command('list')
    .description('list the hosts to install')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const hosts = await listPxeHosts(context);
        if (options.json) return printJson(hosts);
        printTable(hosts, [
          { header: 'NAME', value: (h) => h.name },
          { header: 'MAC', value: (h) => h.mac },
          { header: 'ADDRESS', value: (h) => h.address },
          { header: 'SUBNET', value: (h) => h.subnet },
          { header: 'VLAN', value: (h) => h.vlan, align: 'right' },
          { header: 'BOOT', value: (h) => h.boot },
          { header: 'IMAGE', value: (h) => h.image },
          { header: 'HOSTNAME', value: (h) => h.hostname },
        ], 'no PXE hosts; add one with: hostwire pxe host add HOST --mac MAC --subnet NAME --image IMAGE');
      }),
    );

  host
    .command('show <host>')
    .description('one host to install, with the boot steps the PXE server saw')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const found = await showPxeHost(context, name);
        if (options.json) return printJson(found);
        printFields([...hostFields(found), ...found.progress.map((step): [string, unknown] => [step.step, `${step.at}  ${step.detail}`])]);
      }),
    );

  host
    .command('remove <host>')
    .description('forget a host to install and release its address')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const removed = await removePxeHost(context, name);
        if (options.json) printJson(removed);
        else process.stdout.write(`removed PXE host ${removed.name}; released ${removed.address}\n`);
      }),
    );

  const image = pxe.command('image').description('installer images: unpacked ESXi or Linux installers');
  image
    .command('add <name>')
    .description('record an unpacked installer after checking it holds every file it boots from')
    .requiredOption('--kind <kind>', IMAGE_KINDS.join(' or '))
    .requiredOption('--from <dir>', 'the unpacked installer folder')
    .option('--kernel <path>', 'Linux: the kernel, relative to the folder (default: vmlinuz or linux)')
    .option('--initrd <path>', 'Linux: the initrd, relative to the folder (default: initrd.img or initrd.gz)')
    .option('--json', 'print JSON')
    .action((name: string, options: { kind: string; from: string; kernel?: string; initrd?: string; json?: boolean }) =>
      run(program, async (context) => {
        const added = await addPxeImage(context, { name, kind: options.kind, from: options.from, kernel: options.kernel, initrd: options.initrd });
        if (options.json) printJson(added);
        else process.stdout.write(`added ${added.kind} image ${added.name} from ${added.path}\n`);
      }),
    );

  image
    .command('list')
    .description('list installer images')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const images = await listPxeImages(context);
        if (options.json) return printJson(images);
        printTable<PxeImage>(images, [
          { header: 'NAME', value: (i) => i.name },
          { header: 'KIND', value: (i) => i.kind },
          { header: 'PATH', value: (i) => i.path },
          { header: 'KERNEL', value: (i) => i.kernel },
          { header: 'INITRD', value: (i) => i.initrd },
        ], 'no images; add one with: hostwire pxe image add NAME --kind esxi|linux --from DIR');
      }),
    );
  return pxe;
}
