// `pnpm bench [name]`: runs every benchmark (or the one named) side by side with its baseline,
// alternating subject and baseline run by run so drift hits both alike, and reports medians and
// their ratio. Writes bench-results.json at the repository root.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const only = process.argv[2];

function timeOnce(command) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command.argv[0], command.argv.slice(1), {
    env: command.env ?? process.env,
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `${command.argv.join(' ')} exited ${result.status}: ${String(result.stderr).slice(0, 500)}`,
    );
  }
  return seconds;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const files = readdirSync(join(here, 'benchmarks'))
  .filter((f) => f.endsWith('.mjs'))
  .sort();
const benchmarks = [];
for (const file of files) {
  const module = await import(pathToFileURL(join(here, 'benchmarks', file)).href);
  benchmarks.push(module.default);
}
const selected = benchmarks.filter((b) => only === undefined || b.name === only);
if (selected.length === 0) {
  console.error(`No benchmark named "${only}". Known: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const results = [];
let overLimit = 0;
for (const bench of selected) {
  const context = (await bench.setup?.()) ?? {};
  try {
    const subject = bench.subject(context);
    const baseline = bench.baseline(context);
    for (let i = 0; i < (bench.warmup ?? 2); i += 1) {
      timeOnce(subject.command);
      timeOnce(baseline.command);
    }
    const s = [];
    const b = [];
    for (let i = 0; i < (bench.runs ?? 15); i += 1) {
      s.push(timeOnce(subject.command));
      b.push(timeOnce(baseline.command));
    }
    const seconds = median(s);
    const baseSeconds = median(b);
    const ratio = seconds / baseSeconds;
    results.push({
      name: bench.name,
      seconds,
      baseline: { name: baseline.name, seconds: baseSeconds },
      ratio,
    });
    const verdict =
      bench.maxRatio === undefined
        ? ''
        : ratio <= bench.maxRatio
          ? `  (target ≤ ${bench.maxRatio}×: met)`
          : `  (target ≤ ${bench.maxRatio}×: MISSED)`;
    if (bench.maxRatio !== undefined && ratio > bench.maxRatio) overLimit += 1;
    console.log(
      `${bench.name}: ${(seconds * 1000).toFixed(1)} ms vs ${baseline.name} ${(baseSeconds * 1000).toFixed(1)} ms = ${ratio.toFixed(2)}× (median of ${s.length} alternating runs)${verdict}`,
    );
  } finally {
    await bench.teardown?.(context);
  }
}
writeFileSync(join(root, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote bench-results.json (${results.length} benchmark${results.length === 1 ? '' : 's'})`);
process.exitCode = overLimit > 0 ? 1 : 0;
