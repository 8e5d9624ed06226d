/** `host render`, `host import` and `host diff`: a host's network in and out of its platform's files. */
import type { Command } from 'commander';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSources } from '../../connectors/host-facts.ts';
import { IMPORTERS } from '../../connectors/importers.ts';
import { checkOneOf } from '../../domain/validate.ts';
import { DEFAULT_FORMAT, RENDERERS } from '../../render/index.ts';
import { diffHost, importHost, renderHost } from '../../services/host-network.ts';
import type { Runner } from '../main.ts';
import { printJson, printTable } from '../output.ts';

export function registerHostNetworkCommands(host: Command, program: Command, run: Runner): void {
  host
    .command('render <name>')
    .description("write a host's network configuration for its platform")
    .option('--format <format>', `one of: ${Object.keys(RENDERERS).join(', ')} (default: the host's os family's: ${Object.entries(DEFAULT_FORMAT).map(([os, format]) => `${os} ${format}`).join(', ')})`)
    .option('--out <dir>', 'write the files under this root folder (else print them, each after a "# ==> path <==" line)')
    .action((name: string, options: { format?: string; out?: string }) =>
      run(program, async (context) => {
        for (const file of (await renderHost(context, name, options.format)).files) {
          if (!options.out) {
            process.stdout.write(`# ==> ${file.path} <==\n${file.content}`);
            continue;
          }
          const target = join(options.out, file.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, file.content, { mode: file.mode ?? 0o644 });
          chmodSync(target, file.mode ?? 0o644);
          process.stdout.write(`wrote ${target}\n`);
        }
      }),
    );
  host
    .command('import <name> <path>')
    .description("read a host's network from its config files (as its declaration) or live facts (kept for host diff)")
    .requiredOption('--format <format>', Object.entries(IMPORTERS).map(([format, importer]) => `${format} (${importer.input})`).join('; '))
    .option('--as <target>', 'declaration or facts (default: declaration for config files, facts for live facts)')
    .option('--platform <platform>', 'the platform of a host hostwire does not know yet')
    .option('--os <family>', 'the renderer family of a new host')
    .option('--json', 'print JSON')
    .action((name: string, path: string, options: { format: string; as?: string; platform?: string; os?: string; json?: boolean }) =>
      run(program, async (context) => {
        const as = options.as === undefined ? undefined : checkOneOf('as', options.as, ['declaration', 'facts'] as const);
        const result = await importHost(context, { host: name, format: options.format, files: readSources(path), source: path, as, platform: options.platform, os: options.os });
        if (options.json) return printJson(result);
        process.stdout.write(`imported ${result.interfaces.length} interfaces of ${name} as its ${result.as}\n`);
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      }),
    );
  host
    .command('diff <name>')
    .description("compare a host's declaration with its live facts: missing VLANs, wrong bond modes, members down, MTU mismatches")
    .option('--facts <path>', 'live facts to compare with (default: the last imported)')
    .option('--format <format>', 'the format of --facts', 'linux-facts')
    .option('--exit-code', 'exit with 1 when there are differences')
    .option('--json', 'print JSON')
    .action((name: string, options: { facts?: string; format: string; exitCode?: boolean; json?: boolean }) =>
      run(program, async (context) => {
        const diff = await diffHost(context, name, options.facts ? { format: options.format, files: readSources(options.facts), source: options.facts } : undefined);
        if (options.json) printJson(diff);
        else if (!diff.facts) process.stdout.write(`no facts imported for ${name}; run hostwire host import ${name} --format linux-facts PATH, or give --facts\n`);
        else printTable(diff.differences, [
          { header: 'INTERFACE', value: (d) => d.interface },
          { header: 'CHANGE', value: (d) => d.change },
          { header: 'DIFFERENCE', value: (d) => d.message },
        ], `no differences between ${name}'s declaration and its facts from ${diff.facts.source}`);
        if (options.exitCode && diff.differences.length) process.exitCode = 1;
      }),
    );
}
