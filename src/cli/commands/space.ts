import type { Command } from 'commander';
import { createSpace, listSpaces } from '../../services/spaces.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

export function registerSpaceCommands(program: Command, run: Runner): void {
  const space = program.command('space').description('IP spaces (VRFs): addresses are unique within one');
  space
    .command('create <name>')
    .description('create an IP space')
    .option('--description <text>', 'what it separates')
    .option('--json', 'print JSON')
    .action((name: string, options: { description?: string; json?: boolean }) =>
      run(program, async (context) => {
        const created = await createSpace(context, { name, description: options.description });
        if (options.json) printJson(created);
        else process.stdout.write(`created IP space ${created.name}\n`);
      }),
    );
  space
    .command('list')
    .description('list IP spaces')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(program, async (context) => {
        const spaces = await listSpaces(context);
        if (options.json) return printJson(spaces);
        printTable(spaces, [
          { header: 'NAME', value: (s) => s.name },
          { header: 'DESCRIPTION', value: (s) => s.description },
        ]);
      }),
    );
}
