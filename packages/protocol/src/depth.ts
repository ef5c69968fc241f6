/**
 * Deepest nesting of arrays and objects any message may have. Real messages nest about 8 levels
 * (a padding object inside a spec inside a node inside a graph inside a record); validators and
 * error messages recurse, so an unbounded depth would overflow the stack instead of being refused.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text nests arrays/objects deeper than `limit`. A linear scan of the text
 * (strings skipped), so it runs before JSON.parse and costs no recursion itself.
 */
export function jsonDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}
