#!/usr/bin/env node
// A stand-in for nvidia-smi used by the tests. It answers from a real capture
// (FAKE_SMI_FIXTURE) and, with -lms, replays a power trace (FAKE_SMI_TRACE: watts, comma
// separated) one line per interval. FAKE_SMI_MODE=hang|fail|exit-after=N changes its behaviour.
// FAKE_SMI_PIDS appends this process's pid to a file so tests can check for orphans.
import { appendFileSync, readFileSync } from 'node:fs';

const env = process.env;
const args = process.argv.slice(2);
if (env.FAKE_SMI_PIDS) appendFileSync(env.FAKE_SMI_PIDS, `${process.pid} ${args.join(' ')}\n`);

const mode = env.FAKE_SMI_MODE ?? 'ok';
if (mode === 'hang') setInterval(() => {}, 1000);
else if (mode === 'fail') {
  process.stdout.write(
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
  );
  process.exit(9);
} else setImmediate(main);

function sections() {
  const lines = readFileSync(env.FAKE_SMI_FIXTURE, 'utf8').split('\n');
  const out = new Map();
  const rule = (l) => l !== undefined && /^#{20,}$/.test(l);
  for (let i = 0; i < lines.length; i++) {
    if (!rule(lines[i]) || !lines[i + 1]?.startsWith('# ') || !lines[i + 2]?.startsWith('# $ ')) continue;
    const title = lines[i + 1]
      .slice(2)
      .replace(/ \(.*$/, '')
      .trim();
    let j = i + 4;
    const body = [];
    while (j < lines.length && !rule(lines[j])) body.push(lines[j++]);
    out.set(title, body.join('\n').replace(/\n+$/, '\n'));
  }
  return out;
}

const ALIASES = {
  'clocks.sm': 'clocks.current.sm',
  'clocks.mem': 'clocks.current.memory',
  'clocks.gr': 'clocks.current.graphics',
  gpu_name: 'name',
  gpu_uuid: 'uuid',
  'clocks_throttle_reasons.active': 'clocks_event_reasons.active',
};

function main() {
  const s = sections();
  const arg = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--version')) return void process.stdout.write(s.get('capabilities :: version'));
  if (args.includes('--help-query-gpu'))
    return void process.stdout.write(s.get('capabilities :: help-query-gpu'));
  if (args.includes('-L')) return void process.stdout.write(s.get('capabilities :: list'));
  const query = args.find((a) => a.startsWith('--query-gpu='));
  if (!query) {
    process.stderr.write(`fake nvidia-smi: unsupported arguments ${args.join(' ')}\n`);
    process.exit(2);
  }
  const fields = query.slice('--query-gpu='.length).split(',');
  const format = args.find((a) => a.startsWith('--format=')) ?? '--format=csv';
  const state = env.FAKE_SMI_STATE ?? 'idle';
  const csv = s.get(`${state} :: query-gpu`).split('\n').filter(Boolean);
  const header = csv[0].split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  const values = csv[1].split(', ');
  const help = s.get('capabilities :: help-query-gpu');
  for (const f of fields) {
    if (!help.includes(`"${f}"`)) {
      process.stdout.write(`Field "${f}" is not a valid field to query.\n\n`);
      process.exit(2);
    }
  }
  const nounits = format.includes('nounits');
  const cell = (f, powerW) => {
    if ((f === 'power.draw' || f === 'power.draw.instant') && powerW !== undefined) {
      return nounits ? powerW.toFixed(2) : `${powerW.toFixed(2)} W`;
    }
    const i = header.indexOf(ALIASES[f] ?? f);
    const v = i >= 0 ? values[i] : '[N/A]';
    return nounits && !v.startsWith('[') ? v.replace(/ (W|MiB|MHz|%|us)$/, '') : v;
  };
  const gpus = Number(env.FAKE_SMI_GPUS ?? '1');
  const only = arg('-i');
  const indices = only !== undefined ? [Number(only)] : Array.from({ length: gpus }, (_, i) => i);
  const row = (index, powerW) =>
    fields
      .map((f) => (f === 'index' ? String(index) : f === 'uuid' ? `GPU-fake-${index}` : cell(f, powerW)))
      .join(', ');
  const headerLine = fields.join(', ');
  const lms = arg('-lms');
  if (lms === undefined) {
    if (!format.includes('noheader')) process.stdout.write(`${headerLine}\n`);
    for (const i of indices) process.stdout.write(`${row(i)}\n`);
    return;
  }
  const trace = (env.FAKE_SMI_TRACE ?? '100').split(',').map(Number);
  const exitAfter = mode.startsWith('exit-after=') ? Number(mode.slice(11)) : Number.POSITIVE_INFINITY;
  let n = 0;
  const tick = () => {
    if (n >= exitAfter) process.exit(3);
    const w = trace[Math.min(n, trace.length - 1)];
    for (const i of indices) process.stdout.write(`${row(i, w)}\n`);
    n++;
  };
  tick();
  setInterval(tick, Number(lms));
}
