import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createModelSet,
  isNetworkCorrectionJson,
  type KindModel,
  type ModelSet,
  type NetworkCorrection,
  parseKindModel,
  parseNetworkCorrection,
  serializeKindModel,
} from '@neuralpower/core';

/** Reads and validates one model file (a layer model or a network correction); errors name the file. */
export async function readModelFile(file: string): Promise<KindModel | NetworkCorrection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${file}: cannot read the model file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return isNetworkCorrectionJson(json) ? parseNetworkCorrection(json) : parseKindModel(json);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

export interface ModelFile {
  readonly file: string;
  readonly model: KindModel | NetworkCorrection;
}

function isCorrection(m: KindModel | NetworkCorrection): m is NetworkCorrection {
  return isNetworkCorrectionJson(m);
}

/** Models from files and directories (every `*.json` in a directory, in name order). */
export async function readModels(refs: readonly string[]): Promise<ModelFile[]> {
  const models: ModelFile[] = [];
  for (const ref of refs) {
    let isDir: boolean;
    try {
      isDir = (await stat(ref)).isDirectory();
    } catch (err) {
      throw new Error(
        `${ref}: no such model file or directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    if (!isDir) {
      models.push({ file: ref, model: await readModelFile(ref) });
      continue;
    }
    const files = (await readdir(ref)).filter((f) => f.endsWith('.json')).sort();
    if (files.length === 0) throw new Error(`${ref}: the directory holds no *.json model files`);
    for (const f of files) models.push({ file: join(ref, f), model: await readModelFile(join(ref, f)) });
  }
  return models;
}

/**
 * The platform's model set, with its network correction when a file holds one; two files with the
 * same kind and target (or two corrections) are an error naming both.
 */
export function modelSetOf(files: readonly ModelFile[]): ModelSet {
  const seen = new Map<string, string>();
  const layers: KindModel[] = [];
  let correction: NetworkCorrection | null = null;
  for (const { file, model } of files) {
    const key = isCorrection(model) ? 'network correction' : `${model.kind} ${model.target} model`;
    const other = seen.get(key);
    if (other !== undefined) throw new Error(`${file}: a second ${key} (the first is ${other})`);
    seen.set(key, file);
    if (isCorrection(model)) correction = model;
    else layers.push(model);
  }
  return createModelSet(layers, correction);
}

/** Writes the model file whole or not at all: a temporary file renamed over the target. */
export async function writeModelFile(path: string, model: KindModel): Promise<string> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, `${model.kind}-${model.target}.json`);
  } catch {
    // Not there yet: a file path.
  }
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(serializeKindModel(model), null, 2)}\n`, 'utf8');
  await rename(tmp, file);
  return file;
}
