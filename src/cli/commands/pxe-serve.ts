/**
 * `hostwire pxe render` (the tree, written once), `hostwire pxe serve` (DHCP, TFTP and HTTP for the hosts being installed, until SIGTERM/SIGINT)
 * and `hostwire pxe status` (each host's boot steps seen so far, in install order). They join the
 * `pxe` command the records commands create, or create it.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkInteger } from '../../domain/validate.ts';
import { renderPxeTree } from '../../pxe/render/index.ts';
import { startPxeServer, writeTree } from '../../pxe/server.ts';
import type { BootProgress } from '../../pxe/model.ts';
import { bootProgress, pxeRenderInput } from '../../services/pxe.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

const DEFAULT_HTTP_PORT = 8081;

/** One entry per host, its steps in install order (bootProgress sorts them so). */
function progressByHost(progress: BootProgress[]): { host: string; steps: Omit<BootProgress, 'host'>[] }[] {
  const hosts = new Map<string, Omit<BootProgress, 'host'>[]>();
  for (const { host, ...step } of progress) hosts.set(host, [...(hosts.get(host) ?? []), step]);
  return [...hosts].map(([host, steps]) => ({ host, steps }));
}

export function registerPxeServeCommands(program: Command, run: Runner): void {
  const pxe = program.commands.find((command) => command.name() === 'pxe') ?? program.command('pxe').description('PXE installation of new hypervisor hosts');
  pxe
    .command('render')
    .description('write the complete PXE tree: dnsmasq.conf, the ISC dhcpd fragment, the TFTP tree and the kickstarts')
    .requiredOption('--out <dir>', 'the folder to write it in (its dnsmasq.conf names paths under it)')
    .requiredOption('--address <ip>', "the server's address as the hosts reach it (next-server, kickstart URLs)")
    .option('--http-port <n>', 'port of the kickstart and boot file server', String(DEFAULT_HTTP_PORT))
    .option('--interface <name>', 'the interface dnsmasq binds to')
    .option('--allow-unknown', 'give machines without a record a lease from a dynamic range (by default they get nothing)')
    .option('--dns', "also run dnsmasq's DNS server (off by default: port=0)")
    .option('--root-password-hash <hash>', "the installed hosts' root password as a crypt(3) hash ($6$...), never the password")
    .action((options: { out: string; address: string; httpPort: string; interface?: string; allowUnknown?: boolean; dns?: boolean; rootPasswordHash?: string }) =>
      run(program, async (context) => {
        const root = resolve(options.out);
        const input = await pxeRenderInput(context, {
          server: { address: options.address, httpPort: checkInteger('http-port', options.httpPort, 1, 65535, 'a TCP port'), interface: options.interface ?? null },
          allowUnknown: options.allowUnknown ?? false,
          dns: options.dns ?? false,
          rootPasswordHash: options.rootPasswordHash ?? null,
        });
        const files = renderPxeTree(input, root);
        await writeTree(root, files, new Set());
        process.stdout.write(`wrote ${files.length} files for ${input.hosts.length} host(s) under ${root}\n`);
      }),
    );
  pxe
    .command('serve')
    .description('serve DHCP and TFTP (dnsmasq) and HTTP (kickstarts, boot files) for the provisioned hosts, until SIGTERM or SIGINT')
    .requiredOption('--interface <name>', 'the interface facing the hosts to install')
    .option('--address <ip>', "the server's address as the hosts reach it (default: the interface's first IPv4 address)")
    .option('--http-port <n>', 'port of the kickstart and boot file server', String(DEFAULT_HTTP_PORT))
    .option('--state <dir>', 'folder for the rendered tree, the dnsmasq log and leases', 'hostwire-pxe')
    .option('--once', "after a host's kickstart is fetched, switch its network boot to the local disk, so a reboot does not reinstall")
    .option('--allow-unknown', 'give machines without a record a lease from a dynamic range (by default they get nothing)')
    .option('--dns', "also run dnsmasq's DNS server (off by default)")
    .option('--root-password-hash <hash>', "the installed hosts' root password as a crypt(3) hash ($6$...), never the password")
    .action((options: { interface: string; address?: string; httpPort: string; state: string; once?: boolean; allowUnknown?: boolean; dns?: boolean; rootPasswordHash?: string }) =>
      run(program, async (context) => {
        const say = (line: string) => process.stderr.write(`${line}\n`);
        const server = await startPxeServer(context, {
          interface: options.interface,
          address: options.address,
          httpPort: checkInteger('http-port', options.httpPort, 1, 65535, 'a TCP port'),
          root: resolve(options.state),
          once: options.once ?? false,
          allowUnknown: options.allowUnknown ?? false,
          dns: options.dns ?? false,
          rootPasswordHash: options.rootPasswordHash ?? null,
          say,
        });
        say(`hostwire pxe serving on ${options.interface}: next-server ${server.address}, kickstarts at ${server.url}/ks/<host>`);
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            say(`${signal}: stopping dnsmasq and the HTTP server`);
            server.stop().then(resolve, resolve);
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
      }),
    );
  pxe
    .command('status')
    .description("each provisioned host's boot steps seen by pxe serve, in install order")
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const progress = await bootProgress(context);
        if (options.json) return printJson(progressByHost(progress));
        printTable(progress, [
          { header: 'HOST', value: (p) => p.host },
          { header: 'STEP', value: (p) => p.step },
          { header: 'AT', value: (p) => p.at },
          { header: 'DETAIL', value: (p) => p.detail },
        ], 'no boot progress yet');
      }),
    );
}
