/**
 * Candidate terms are monomials over a kind's raw features and their base-2 logarithms, written as
 * canonical names (`N*Hout*Cin`, `N^2*Cin`, `log2(Cout)`, `Hout*log2(Cin)`). A name is the whole
 * definition: a stored model's term list parses back into evaluators without any other table.
 *
 * Grammar:  term   = factor ("*" factor)* ["#" tag]
 *           factor = (VAR | "log2(" VAR ")") ["^" POWER]
 * Canonical: factors ordered as the kind lists its raw features, plain factors before log2 factors,
 * each variable once (repeats written as powers). The optional tag names a "special" term's physical
 * meaning (`#macs`); it does not change the value, and keeps names unique where the paper's special
 * terms repeat a monomial.
 */

/** A term name that does not parse, is not canonical, or names a raw feature the kind lacks. */
export class TermError extends Error {
  readonly term: string;
  constructor(term: string, message: string) {
    super(`term ${JSON.stringify(term)}: ${message}`);
    this.name = 'TermError';
    this.term = term;
  }
}

export interface TermFactor {
  /** Index into the kind's raw feature list. */
  readonly variable: number;
  readonly log: boolean;
  readonly power: number;
}

export interface Term {
  readonly name: string;
  readonly factors: readonly TermFactor[];
  readonly tag: string | undefined;
  /** Value of the term for raw feature values aligned with the kind's raw feature list. */
  evaluate(raw: readonly number[]): number;
}

/** A variable of a monomial: raw feature `variable`, or its log2. */
export interface TermVariable {
  readonly variable: number;
  readonly log: boolean;
}

const FACTOR = /^(?:log2\(([A-Za-z][A-Za-z0-9]*)\)|([A-Za-z][A-Za-z0-9]*))(?:\^([1-9][0-9]*))?$/;
const TAG = /^[a-z][a-z0-9-]*$/;

function orderKey(f: TermVariable, rawCount: number): number {
  return f.log ? rawCount + f.variable : f.variable;
}

/** Merges repeated variables into powers and orders factors canonically. */
function canonicalFactors(variables: readonly TermVariable[], rawCount: number): TermFactor[] {
  const merged = new Map<number, TermFactor>();
  for (const v of variables) {
    const key = orderKey(v, rawCount);
    const prev = merged.get(key);
    merged.set(key, { variable: v.variable, log: v.log, power: (prev?.power ?? 0) + 1 });
  }
  return [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
}

function renderFactor(f: TermFactor, rawNames: readonly string[]): string {
  const base = f.log ? `log2(${rawNames[f.variable]})` : rawNames[f.variable]!;
  return f.power === 1 ? base : `${base}^${f.power}`;
}

/** Canonical name of the product of `variables` (repeats allowed, any order), with an optional tag. */
export function monomialName(
  variables: readonly TermVariable[],
  rawNames: readonly string[],
  tag?: string,
): string {
  const factors = canonicalFactors(variables, rawNames.length);
  const body = factors.map((f) => renderFactor(f, rawNames)).join('*');
  return tag === undefined ? body : `${body}#${tag}`;
}

function compile(factors: readonly TermFactor[]): (raw: readonly number[]) => number {
  return (raw) => {
    let value = 1;
    for (const f of factors) {
      const x = raw[f.variable]!;
      const base = f.log ? Math.log2(x) : x;
      value *= f.power === 1 ? base : base ** f.power;
    }
    return value;
  };
}

/** Parses a canonical term name over `rawNames`; throws TermError naming what is wrong. */
export function parseTerm(name: string, rawNames: readonly string[]): Term {
  if (typeof name !== 'string' || name === '')
    throw new TermError(String(name), 'must be a non-empty string');
  const hash = name.indexOf('#');
  const body = hash < 0 ? name : name.slice(0, hash);
  const tag = hash < 0 ? undefined : name.slice(hash + 1);
  if (tag !== undefined && !TAG.test(tag)) {
    throw new TermError(name, `tag ${JSON.stringify(tag)} must be lower-case letters, digits and dashes`);
  }
  const variables: TermVariable[] = [];
  for (const part of body.split('*')) {
    const m = FACTOR.exec(part);
    if (!m) {
      throw new TermError(
        name,
        `cannot read factor ${JSON.stringify(part)} (expected VAR, VAR^k or log2(VAR))`,
      );
    }
    const varName = m[1] ?? m[2]!;
    const variable = rawNames.indexOf(varName);
    if (variable < 0) {
      throw new TermError(
        name,
        `unknown raw feature ${JSON.stringify(varName)}; this kind has ${rawNames.join(', ')}`,
      );
    }
    const power = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = 0; i < power; i++) variables.push({ variable, log: m[1] !== undefined });
  }
  const canonical = monomialName(variables, rawNames, tag);
  if (canonical !== name)
    throw new TermError(name, `is not canonical; write it as ${JSON.stringify(canonical)}`);
  const factors = canonicalFactors(variables, rawNames.length);
  return { name, factors, tag, evaluate: compile(factors) };
}

/**
 * Names of every monomial of degree minDegree..maxDegree in `variables`, in the paper's order:
 * all degree-1 terms, then degree 2 as i ≤ j, then degree 3 as i ≤ j ≤ k over the given order.
 */
export function monomials(
  variables: readonly TermVariable[],
  minDegree: number,
  maxDegree: number,
  rawNames: readonly string[],
): string[] {
  const names: string[] = [];
  const pick = (start: number, chosen: TermVariable[], degree: number) => {
    if (chosen.length === degree) {
      names.push(monomialName(chosen, rawNames));
      return;
    }
    for (let i = start; i < variables.length; i++) pick(i, [...chosen, variables[i]!], degree);
  };
  for (let d = minDegree; d <= maxDegree; d++) pick(0, [], d);
  return names;
}

/** Variables named in `names`, plain or (with `log`) as log2. */
export function vars(rawNames: readonly string[], names: readonly string[], log = false): TermVariable[] {
  return names.map((n) => {
    const variable = rawNames.indexOf(n);
    if (variable < 0) throw new TermError(n, `unknown raw feature; known: ${rawNames.join(', ')}`);
    return { variable, log };
  });
}
