/**
 * Candidate terms are monomials over a kind's raw features and their base-2 logarithms, written as
 * canonical names (`N*Hout*Cin`, `N^2*Cin`, `log2(Cout)`, `Hout*log2(Cin)`, `N*pad8(Cout)`). A name is
 * the whole definition: a stored model's term list parses back into evaluators without any other table.
 *
 * Grammar:  term   = factor ("*" factor)* ["#" tag]
 *           factor = (VAR | "log2(" VAR ")" | "pad" M "(" VAR ")") ["^" POWER]
 * `padM(x)` is x rounded up to a multiple of M (M ≥ 2): GPU kernels work on tiles and vector widths,
 * so a layer with 130 channels costs about what one with 160 does.
 * Canonical: factors ordered as the kind lists its raw features, plain factors before log2 factors
 * before pad factors (by M, then variable), each factor once (repeats written as powers). The optional tag names a "special" term's physical
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
  /** Round the value up to a multiple of this (a `padM(VAR)` factor); absent for plain and log2. */
  readonly multiple?: number;
  readonly power: number;
}

export interface Term {
  readonly name: string;
  readonly factors: readonly TermFactor[];
  readonly tag: string | undefined;
  /** Value of the term for raw feature values aligned with the kind's raw feature list. */
  evaluate(raw: readonly number[]): number;
}

/** A variable of a monomial: raw feature `variable`, its log2, or it rounded up to a `multiple`. */
export interface TermVariable {
  readonly variable: number;
  readonly log: boolean;
  readonly multiple?: number;
}

const NAME = '([A-Za-z][A-Za-z0-9]*)';
const FACTOR = new RegExp(
  `^(?:log2\\(${NAME}\\)|pad([1-9][0-9]*)\\(${NAME}\\)|${NAME})(?:\\^([1-9][0-9]*))?$`,
);
const TAG = /^[a-z][a-z0-9-]*$/;

/** Plain factors first, then log2, then padM by M: one key per distinct factor. */
function orderKey(f: TermVariable, rawCount: number): number {
  if (f.multiple !== undefined) return (1 + f.multiple) * rawCount + f.variable;
  return f.log ? rawCount + f.variable : f.variable;
}

/** Merges repeated variables into powers and orders factors canonically. */
function canonicalFactors(variables: readonly TermVariable[], rawCount: number): TermFactor[] {
  const merged = new Map<number, TermFactor>();
  for (const v of variables) {
    const key = orderKey(v, rawCount);
    const prev = merged.get(key);
    const power = (prev?.power ?? 0) + 1;
    merged.set(
      key,
      v.multiple === undefined
        ? { variable: v.variable, log: v.log, power }
        : { variable: v.variable, log: false, multiple: v.multiple, power },
    );
  }
  return [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
}

function renderFactor(f: TermFactor, rawNames: readonly string[]): string {
  const name = rawNames[f.variable]!;
  const base = f.multiple !== undefined ? `pad${f.multiple}(${name})` : f.log ? `log2(${name})` : name;
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
      const base =
        f.multiple !== undefined ? Math.ceil(x / f.multiple) * f.multiple : f.log ? Math.log2(x) : x;
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
        `cannot read factor ${JSON.stringify(part)} (expected VAR, VAR^k, log2(VAR) or padM(VAR))`,
      );
    }
    const varName = m[1] ?? m[3] ?? m[4]!;
    const multiple = m[2] === undefined ? undefined : Number(m[2]);
    if (multiple !== undefined && multiple < 2) {
      throw new TermError(name, `pad${multiple}(${varName}): the multiple must be at least 2`);
    }
    const variable = rawNames.indexOf(varName);
    if (variable < 0) {
      throw new TermError(
        name,
        `unknown raw feature ${JSON.stringify(varName)}; this kind has ${rawNames.join(', ')}`,
      );
    }
    const power = m[5] === undefined ? 1 : Number(m[5]);
    const factor: TermVariable =
      multiple === undefined ? { variable, log: m[1] !== undefined } : { variable, log: false, multiple };
    for (let i = 0; i < power; i++) variables.push(factor);
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
