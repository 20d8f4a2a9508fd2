// Runs every test file under test/ with Node's test runner. Node 20's
// `node --test` neither expands globs nor finds .ts files by itself (it would
// print "# tests 0" and exit 0), so this lists the files and refuses to pass
// when there are none.
//
// Two phases: first every file but the fault runs (test/chaos/chaos-*),
// two at a time; then the fault runs, one at a time. A fault run kills,
// pauses and partitions members on purpose and loads both cores; next to
// other files that start clusters of real processes it would make their
// timing assertions measure the neighbour, not the code.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const only = process.argv.slice(2);
const files = collect(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('test/run.mjs: no test files found');
  process.exit(1);
}

const faultRun = (f) => f.startsWith(['test', 'chaos', 'chaos-'].join(sep));
const phases = [
  { files: files.filter((f) => !faultRun(f)), concurrency: 2 },
  { files: files.filter(faultRun), concurrency: 1 },
];
let status = 0;
for (const phase of phases) {
  if (phase.files.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${phase.concurrency}`, ...phase.files],
    { cwd: root, stdio: 'inherit' },
  );
  if ((result.status ?? 1) !== 0) status = result.status ?? 1;
}
process.exit(status);
