import yargs from 'yargs';
import { commands } from './commands.js';

/** A failure the user can act on: printed as one line, no stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Runs the CLI and resolves to the process exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  let usageError = false;
  const cli = yargs([...argv])
    .scriptName('neuralpower')
    .usage(
      '$0 <command> [options]\n\nMeasure and predict CNN runtime, power and energy per layer and per network.',
    )
    .strict()
    .demandCommand(1, 'Name a command; see --help.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      if (error) throw error;
      usageError = true;
      process.stderr.write(`error: ${message}\nRun with --help for usage.\n`);
    });
  try {
    // Only the command being run is loaded; the others are listed for --help and suggestions.
    const wanted = argv.find((a) => !a.startsWith('-'));
    for (const c of commands) {
      if (c.name === wanted) cli.command(await c.load());
      else cli.command(c.name, c.describe);
    }
    await cli.parseAsync();
    return usageError ? 2 : Number(process.exitCode ?? 0);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
