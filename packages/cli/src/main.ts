import yargs from 'yargs';
import { argvProblem, type DeclaredOptions } from './argv-checks.js';
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

/** A usage error (unknown flag, invalid choice, wrong type): exit code 2, nothing runs. */
class UsageError extends CliError {
  constructor(message: string) {
    super(`${message}\nRun with --help for usage.`, 2);
    this.name = 'UsageError';
  }
}

/** Runs the CLI and resolves to the process exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
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
    // Runs after yargs' own validation and before any handler: repeated scalars and NaN numbers.
    .middleware((args) => {
      // `cli` is the same instance the command's options were declared on.
      // getOptions() exists at runtime but is missing from yargs' type declarations.
      const declared = (cli as unknown as { getOptions(): DeclaredOptions }).getOptions();
      const problem = argvProblem(args, declared);
      if (problem !== null) throw new UsageError(problem);
    })
    // Throwing is what stops yargs: a handler that returns lets it run the command anyway.
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message);
    });
  try {
    // Only the command being run is loaded; the others are listed for --help and suggestions.
    const wanted = argv.find((a) => !a.startsWith('-'));
    for (const c of commands) {
      if (c.name === wanted) cli.command(await c.load());
      else cli.command(c.name, c.describe);
    }
    await cli.parseAsync();
    return Number(process.exitCode ?? 0);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
