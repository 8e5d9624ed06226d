import type { Command } from 'commander';
import { ROLES } from '../../domain/model.ts';
import { createToken, listTokens, revokeToken } from '../../services/tokens.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

export function registerTokenCommands(program: Command, run: Runner): void {
  const token = program.command('token').description('API tokens for the HTTP API and web UI');
  token
    .command('create')
    .description('create a token and print its secret, once')
    .requiredOption('--role <role>', `what it may do: ${ROLES.join(', ')}`)
    .option('--name <name>', 'a name to list and revoke it by (default: role and a random suffix)')
    .option('--json', 'print JSON: {"token": ...}')
    .action((options: { role: string; name?: string; json?: boolean }) =>
      run(program, async (context) => {
        const created = await createToken(context, options);
        if (options.json) return printJson(created);
        process.stdout.write(`${created.token}\n`);
        process.stderr.write(`token '${created.name}' (${created.role}) created; the secret above is shown only now\n`);
      }),
    );
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const tokens = await listTokens(context);
        if (options.json) return printJson(tokens);
        printTable(tokens, [
          { header: 'NAME', value: (t) => t.name },
          { header: 'ROLE', value: (t) => t.role },
          { header: 'CREATED', value: (t) => t.createdAt },
          { header: 'LAST USED', value: (t) => t.lastUsedAt },
        ], 'no tokens; create one with: hostwire token create --role admin');
      }),
    );
  token
    .command('revoke <name>')
    .description('revoke a token: it stops working at once')
    .action((name: string) =>
      run(program, async (context) => {
        await revokeToken(context, name);
        process.stdout.write(`revoked token ${name}\n`);
      }),
    );
}
