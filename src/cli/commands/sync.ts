import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { HostwireError, invalid } from '../../domain/errors.ts';
import { runSync, type SyncResult } from '../../reconcile/sync.ts';
import { addAccount, listAccounts, removeAccount } from '../../services/accounts.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

/** Reads a password without echo from the terminal. */
async function promptPassword(question: string): Promise<string> {
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let password = '';
  try {
    for await (const chunk of stdin) {
      for (const char of (chunk as Buffer).toString('utf8')) {
        if (char === '\r' || char === '\n') return password;
        if (char === '\u0003') throw new HostwireError('validation', 'password: cancelled');
        if (char === '\u007f') password = password.slice(0, -1);
        else password += char;
      }
    }
    return password;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

function readPassword(variable: string | undefined): Promise<string> | string {
  if (variable) {
    const value = process.env[variable];
    if (value === undefined || value === '') throw invalid('password', `$${variable} is not set (or empty): export it, or omit --password-env to be prompted`);
    return value;
  }
  if (!process.stdin.isTTY) throw invalid('password', 'give --password-env VAR (there is no terminal to prompt on)');
  return promptPassword('vCenter password: ');
}

export function printSyncSummary(result: SyncResult): void {
  const rows = Object.entries(result.counts).map(([kind, count]) => ({ kind, ...count }));
  process.stdout.write(`sync of ${result.account}: ${result.status}${result.complete ? '' : ' (partial snapshot: nothing removed)'}\n`);
  printTable(rows, [
    { header: 'KIND', value: (r) => r.kind },
    { header: 'CREATED', value: (r) => r.created, align: 'right' },
    { header: 'UPDATED', value: (r) => r.updated, align: 'right' },
    { header: 'REMOVED', value: (r) => r.removed, align: 'right' },
  ], 'nothing changed');
  process.stdout.write(`VM IPs kept in sync_ips: ${result.syncIps}; conflicts: ${result.conflicts.length}; errors: ${result.errors.length}\n`);
  for (const conflict of result.conflicts) process.stdout.write(`conflict: ${conflict.message}\n${conflict.evidence.map((line) => `  - ${line}\n`).join('')}`);
  for (const error of [...result.errors, ...result.gaps]) process.stdout.write(`error: ${error}\n`);
}

export function registerSyncCommands(program: Command, run: Runner): void {
  const account = program.command('account').description('vCenter accounts to sync from');
  account
    .command('add <kind> <name>')
    .description('add a vCenter account (kind: vsphere); the password is stored encrypted')
    .requiredOption('--url <url>', 'the SDK endpoint, e.g. https://vcenter.example.com/sdk')
    .requiredOption('--username <user>', 'user to log in as')
    .option('--password-env <var>', 'read the password from this environment variable (else a prompt on a terminal)')
    .option('--ca <file>', 'PEM file of the CA (or self-signed certificate) to trust')
    .option('--thumbprint <sha256>', "pin the server certificate's SHA-256 thumbprint")
    .option('--insecure', 'accept any certificate (not recommended)')
    .option('--json', 'print JSON')
    .action((kind: string, name: string, options: { url: string; username: string; passwordEnv?: string; ca?: string; thumbprint?: string; insecure?: boolean; json?: boolean }) =>
      run(program, async (context) => {
        let ca: string | undefined;
        if (options.ca) {
          try {
            ca = readFileSync(options.ca, 'utf8');
          } catch (error) {
            throw invalid('ca', `cannot read ${options.ca}: ${(error as Error).message}`);
          }
        }
        const password = await readPassword(options.passwordEnv);
        const created = await addAccount(context, { kind, name, url: options.url, username: options.username, password, ca, thumbprint: options.thumbprint, insecure: options.insecure });
        if (options.json) printJson(created);
        else process.stdout.write(`added ${created.kind} account ${created.name} (${created.url}, TLS ${created.tls})\n`);
      }),
    );
  account
    .command('list')
    .description('list accounts with their last sync')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const accounts = await listAccounts(context);
        if (options.json) return printJson(accounts);
        printTable(accounts, [
          { header: 'NAME', value: (a) => a.name },
          { header: 'KIND', value: (a) => a.kind },
          { header: 'URL', value: (a) => a.url },
          { header: 'USER', value: (a) => a.username },
          { header: 'TLS', value: (a) => a.tls },
          { header: 'LAST SYNC', value: (a) => (a.lastSync ? `${a.lastSync.status} ${a.lastSync.finishedAt ?? a.lastSync.startedAt}` : 'never') },
        ], 'no accounts; add one with: hostwire account add vsphere NAME --url https://HOST/sdk --username USER --password-env VAR');
      }),
    );
  account
    .command('remove <name>')
    .description('remove an account (what it synced stays)')
    .action((name: string) =>
      run(program, async (context) => {
        await removeAccount(context, name);
        process.stdout.write(`removed account ${name}\n`);
      }),
    );

  program
    .command('sync <account>')
    .description('sync an account: read vCenter, reconcile wires, subnets, hosts and VMs')
    .option('--json', 'print the summary as JSON')
    .action((name: string, options: { json?: boolean }) =>
      run(program, async (context) => {
        const bar = process.stderr.isTTY && !options.json ? new SingleBar({ format: 'reading vCenter [{bar}] {step}', hideCursor: true }) : undefined;
        bar?.start(5, 0, { step: 'connecting' });
        try {
          const result = await runSync(context, name, { progress: (step, done) => bar?.update(done, { step }) });
          bar?.stop();
          if (options.json) printJson(result);
          else printSyncSummary(result);
        } finally {
          bar?.stop();
        }
      }),
    );
}
