import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real nvidia-smi captures, read in place (never copied into the repo). */
export const FIXTURE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/fixtures/nvidia-smi',
);

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(FIXTURE_DIR, f));
}

export interface Section {
  readonly title: string;
  readonly command: string;
  readonly body: string;
}

/**
 * Splits a capture into its sections: a `####` rule, `# <title>`, `# $ <command>`, a rule, then the
 * command's output up to the next rule.
 */
export function readSections(file: string): Section[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const sections: Section[] = [];
  const isRule = (l: string | undefined) => l !== undefined && /^#{20,}$/.test(l);
  for (let i = 0; i < lines.length; i++) {
    if (!isRule(lines[i]) || !lines[i + 1]?.startsWith('# ') || !lines[i + 2]?.startsWith('# $ ')) continue;
    if (!isRule(lines[i + 3])) continue;
    const title = lines[i + 1]!.slice(2).trim();
    const command = lines[i + 2]!.slice(4).trim();
    let j = i + 4;
    const body: string[] = [];
    while (j < lines.length && !isRule(lines[j])) body.push(lines[j++]!);
    sections.push({ title, command, body: body.join('\n').replace(/\n+$/, '\n') });
    i = j - 1;
  }
  return sections;
}

export function section(file: string, title: string): Section {
  const s = readSections(file).find((x) => x.title === title || x.title.startsWith(`${title} (`));
  if (!s) throw new Error(`${path.basename(file)} has no section "${title}"`);
  return s;
}
