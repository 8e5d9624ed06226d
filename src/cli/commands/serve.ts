import type { Command } from 'commander';
import { parseListen, startServer } from '../../api/server.ts';
import { seedDemo } from '../../services/demo.ts';
import { countTokens, createToken } from '../../services/tokens.ts';
import { makeContext } from '../../store/context.ts';
import { openStore, resolveLocation } from '../../store/store.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (and, once built, the web UI)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .option('--demo', 'fill an empty store with a demo estate first')
    .action(async (options: { listen: string; demo?: boolean }) => {
      const listen = parseListen(options.listen);
      const store = await openStore(resolveLocation(program.opts<{ db?: string }>().db));
      const say = (line: string) => process.stderr.write(`${line}\n`);
      try {
        const context = makeContext(store, 'serve');
        if (options.demo) say((await seedDemo(context)) ? 'demo estate created' : 'demo: the store is not empty, nothing added');
        if ((await countTokens(store)) === 0) {
          const token = await createToken(context, { role: 'admin', name: 'admin' });
          say(`no tokens existed: created admin token '${token.name}' (shown only now):\n\n    ${token.token}\n`);
        }
        const server = await startServer({ store, listen, log: (line) => process.stdout.write(line) });
        say(`hostwire listening on ${server.url} (store: ${store.location})`);
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            say(`${signal}: finishing in-flight requests`);
            server.close().then(resolve, resolve);
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
      } finally {
        await store.close();
      }
    });
}
