import type { Arguments } from 'yargs';

/** What yargs knows about the options of the command being run (`yargs.getOptions()`). */
export interface DeclaredOptions {
  readonly key: Record<string, unknown>;
  readonly array: readonly string[];
  readonly number: readonly string[];
}

/**
 * Checks yargs leaves to the handler: a number option given text arrives as NaN, and a scalar
 * option given twice arrives as an array. Either would reach the handler as a value of the wrong
 * type (a TypeError deep inside, or a silent NaN). Returns the problem, naming the flag, or null.
 */
export function argvProblem(argv: Arguments, declared: DeclaredOptions): string | null {
  const arrays = new Set(declared.array);
  const numbers = new Set(declared.number);
  for (const key of Object.keys(declared.key)) {
    if (!(key in argv) || key === '_' || key === '$0') continue;
    const value = argv[key];
    if (Array.isArray(value) && !arrays.has(key)) {
      return `--${key} was given ${value.length} times (${value.map((v) => JSON.stringify(v)).join(', ')}); give it once`;
    }
    if (numbers.has(key)) {
      const values = Array.isArray(value) ? value : [value];
      const bad = values.find((v) => typeof v === 'number' && !Number.isFinite(v));
      if (bad !== undefined || values.some((v) => v === null)) {
        return `--${key} must be a finite number`;
      }
    }
  }
  return null;
}
