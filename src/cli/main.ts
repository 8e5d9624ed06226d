/**
 * The `hostwire` command. Every subcommand opens the store named by --db / $HOSTWIRE_DB, runs one
 * service call as actor `cli`, and prints a table or, with --json, JSON. Exit codes: 0 success,
 * 2 bad input, 3 conflict, 4 not found, 1 anything else.
 */
import { Command, CommanderError } from 'commander';
import { HostwireError, type ErrorKind } from '../domain/errors.ts';
import { makeContext, type Context } from '../store/context.ts';
import { openStore, resolveLocation } from '../store/store.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerChangeCommands } from './commands/changes.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerInventoryCommands } from './commands/inventory.ts';
import { registerIpCommands } from './commands/ip.ts';
import { registerPxeCommands } from './commands/pxe.ts';
import { registerPxeServeCommands } from './commands/pxe-serve.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSpaceCommands } from './commands/space.ts';
import { registerSubnetCommands } from './commands/subnet.ts';
import { registerSummaryCommand } from './commands/summary.ts';
import { registerSyncCommands } from './commands/sync.ts';
import { registerTokenCommands } from './commands/token.ts';
import { registerTopologyCommands } from './commands/topology.ts';
import { registerVmNicCommand } from './commands/vmnic.ts';
import { registerWireCommands } from './commands/wire.ts';

export const EXIT_CODES: Record<ErrorKind | 'usage' | 'internal', number> = {
  internal: 1,
  usage: 2,
  validation: 2,
  unauthorized: 2,
  forbidden: 2,
  conflict: 3,
  not_found: 4,
};

/** Runs a command body with an open store, closing it whatever happens. */
export type Runner = (program: Command, work: (context: Context) => Promise<void>) => Promise<void>;

const run: Runner = async (program, work) => {
  const store = await openStore(resolveLocation(program.opts<{ db?: string }>().db));
  try {
    await work(makeContext(store, 'cli'));
  } finally {
    await store.close();
  }
};

export function buildProgram(): Command {
  const program = new Command('hostwire')
    .description('One control plane for the networks of virtualization hosts: wires, subnets, IPAM and inventory.')
    .option('--db <location>', 'SQLite file or postgres:// URL (default: $HOSTWIRE_DB, else ./hostwire.db)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerSpaceCommands(program, run);
  registerWireCommands(program, run);
  registerSubnetCommands(program, run);
  registerIpCommands(program, run);
  registerInventoryCommands(program, run);
  registerSyncCommands(program, run);
  registerTopologyCommands(program, run);
  registerVmNicCommand(program, run);
  registerAuditCommands(program, run);
  registerChangeCommands(program, run);
  registerSummaryCommand(program, run);
  registerTokenCommands(program, run);
  registerPxeCommands(program, run);
  registerDemoCommand(program, run);
  registerServeCommand(program);
  registerPxeServeCommands(program, run);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Parses and runs argv; returns the exit code rather than exiting, so tests can call it in-process. */
export async function main(argv: string[]): Promise<number> {
  // `hostwire ... | head` closes the pipe early: that ends the output, it is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = buildProgram();
  // A command may set a status of its own (`host diff --exit-code`); each run starts from none.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return EXIT_CODES.usage;
    }
    if (error instanceof HostwireError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_CODES[error.kind];
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.internal;
  }
}
