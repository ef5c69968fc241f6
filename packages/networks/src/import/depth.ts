import { NetworkError } from '@neuralpower/core';

/**
 * Deepest nesting of arrays and objects a network description may have. Real Keras topologies
 * nest about a dozen levels; importers and their error messages recurse, so anything deeper
 * would overflow the stack ("Maximum call stack size exceeded") instead of being refused.
 */
export const MAX_NETWORK_JSON_DEPTH = 64;

/** Refuses a JSON value nested deeper than the limit, naming the format. Iterative: no recursion. */
export function checkJsonDepth(json: unknown, format: string, limit = MAX_NETWORK_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[json, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limit) {
      throw new NetworkError(
        '(file)',
        `${format} JSON is nested deeper than ${limit} levels; not a network description`,
      );
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
}
