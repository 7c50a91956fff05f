// `pnpm bench [name]`: runs every benchmark (or the one named) side by side with its baseline,
// alternating subject and baseline run by run so drift hits both alike, and reports medians and
// their ratio. Writes bench-results.json at the repository root. See bench/README.md for how a
// benchmark is written.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const only = process.argv[2];

// A signal must not skip a benchmark's cleanup (domains, pools, volumes on the shared daemon):
// it is noted, the current run ends (its child got the signal too, or finishes), cleanup runs.
let interruptedBy;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interruptedBy = signal;
  });
}
function checkInterrupted() {
  if (interruptedBy !== undefined) throw new Error(`interrupted by ${interruptedBy}`);
}

function timeOnce(command, timeoutSeconds) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command.argv[0], command.argv.slice(1), {
    env: command.env ?? process.env,
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutSeconds * 1000,
  });
  let seconds = Number(process.hrtime.bigint() - started) / 1e9;
  checkInterrupted();
  if (result.error !== undefined) {
    throw new Error(`${command.argv.join(' ')} could not run or timed out: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(
      `${command.argv.join(' ')} exited ${result.status ?? result.signal}: ${String(result.stderr).slice(0, 500)}`,
    );
  }
  // A command may time its own work (e.g. without Node's start-up) and print `seconds=<n>`.
  if (command.reportsSeconds) {
    const reported = /^seconds=([0-9.]+(?:e-?\d+)?)$/m.exec(String(result.stdout));
    if (reported === null) throw new Error(`${command.argv.join(' ')} printed no seconds=<n> line`);
    seconds = Number(reported[1]);
  }
  return seconds;
}

/** Times an in-process step (for work measured on an open connection, without process start-up). */
async function timeInProcess(run) {
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  checkInterrupted();
  return seconds;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Cleanup steps a benchmark's setup registers as it goes; run last to first, even when setup failed. */
function createScope() {
  const steps = [];
  return {
    defer: (step) => steps.push(step),
    async close() {
      const failures = [];
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, `cleanup failed: ${failures[0].message}`);
    },
  };
}

async function measure(bench, context) {
  const subject = bench.subject(context);
  const baseline = bench.baseline(context);
  const timeout = bench.timeoutSeconds ?? 600;
  const timed = async (side, which) => {
    // spawnSync blocks the event loop; a turn of it lets a pending signal handler run.
    await new Promise((resolve) => setImmediate(resolve));
    checkInterrupted();
    await bench.reset?.(context, which);
    checkInterrupted();
    return side.run === undefined ? timeOnce(side.command, timeout) : timeInProcess(side.run);
  };
  for (let i = 0; i < (bench.warmup ?? 2); i += 1) {
    await timed(subject, 'subject');
    await timed(baseline, 'baseline');
  }
  const s = [];
  const b = [];
  for (let i = 0; i < (bench.runs ?? 15); i += 1) {
    s.push(await timed(subject, 'subject'));
    b.push(await timed(baseline, 'baseline'));
  }
  return { subject, baseline, s, b };
}

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
let failed = 0;
for (const bench of selected) {
  if (interruptedBy !== undefined) break;
  const scope = createScope();
  let context;
  try {
    context = (await bench.setup?.(scope)) ?? {};
    checkInterrupted();
    const { baseline, s, b } = await measure(bench, context);
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
  } catch (error) {
    failed += 1;
    console.error(`${bench.name}: FAILED: ${error.message}`);
  } finally {
    try {
      if (context !== undefined) await bench.teardown?.(context);
      await scope.close();
    } catch (error) {
      failed += 1;
      console.error(`${bench.name}: CLEANUP FAILED (check libvirt for leftovers): ${error.message}`);
    }
  }
}
writeFileSync(join(root, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote bench-results.json (${results.length} benchmark${results.length === 1 ? '' : 's'})`);
if (interruptedBy !== undefined) process.exitCode = 130;
else process.exitCode = overLimit > 0 || failed > 0 ? 1 : 0;
