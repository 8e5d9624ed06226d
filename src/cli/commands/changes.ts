import type { Command } from 'commander';
import { listChanges } from '../../services/changes.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

export function registerChangeCommands(program: Command, run: Runner): void {
  program
    .command('changes')
    .description('the change log, newest first')
    .option('--limit <n>', 'at most this many entries')
    .option('--kind <kind>', 'only this object kind (wire, subnet, address, ...)')
    .option('--object <name>', 'only this object name')
    .option('--since <time>', 'only entries at or after this ISO 8601 time')
    .option('--until <time>', 'only entries before this ISO 8601 time')
    .option('--json', 'print JSON')
    .action((options: { limit?: string; kind?: string; object?: string; since?: string; until?: string; json?: boolean }) =>
      run(program, async (context) => {
        const changes = await listChanges(context, { limit: options.limit, objectKind: options.kind, objectName: options.object, since: options.since, until: options.until });
        if (options.json) return printJson(changes);
        printTable(changes, [
          { header: 'ID', value: (c) => c.id, align: 'right' },
          { header: 'AT', value: (c) => c.at },
          { header: 'ACTOR', value: (c) => c.actor },
          { header: 'ACTION', value: (c) => c.action },
          { header: 'KIND', value: (c) => c.objectKind },
          { header: 'OBJECT', value: (c) => c.objectName },
        ], 'no changes');
      }),
    );
}
