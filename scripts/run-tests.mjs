// Runs every test/**/*.test.ts with node:test, one file at a time, and the consumer package test
// beside them at a lower priority. That test spends most of its two minutes compiling
// better-sqlite3 from source into a fresh install (one core, about 70 s) and in npm and tsc; run in
// line it made the suite that much longer. At nice 10 it takes the core the other tests leave idle
// and gives way when they need both. Its report is held back and printed after theirs, whole.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

const BESIDE = ['test/package/consumer.test.ts'];
const BESIDE_NICE = 10;

const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `test/${file.split('\\').join('/')}`)
  .sort();
for (const file of BESIDE) if (!files.includes(file)) throw new Error(`run-tests: ${file} is gone; update BESIDE`);

// The held-back report is printed as the terminal would have shown it.
const reporter = process.stdout.isTTY ? ['--test-reporter=spec'] : [];
const beside = spawn(process.execPath, ['--import', 'tsx', '--test', ...reporter, ...BESIDE], { stdio: ['ignore', 'pipe', 'pipe'] });
try {
  // Never pid 0: that would be this process, and the in-line tests would inherit the nice value.
  if (beside.pid !== undefined) setPriority(beside.pid, BESIDE_NICE);
} catch (error) {
  console.warn(`run-tests: could not lower the package test's priority (${error.message}); it runs at the same priority`);
}
const held = [];
beside.stdout.on('data', (chunk) => held.push(chunk));
beside.stderr.on('data', (chunk) => held.push(chunk));
const besideDone = exitOf(beside);

const rest = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files.filter((f) => !BESIDE.includes(f))], { stdio: 'inherit' });
const stop = (signal) => {
  beside.kill(signal);
  rest.kill(signal);
};
process.on('SIGINT', stop).on('SIGTERM', stop);

const restCode = await exitOf(rest);
const besideCode = await besideDone;
process.stdout.write(`\n# ${BESIDE.join(', ')} (run beside the rest at nice ${BESIDE_NICE}):\n`);
for (const chunk of held) process.stdout.write(chunk);
process.stdout.write(
  `\n# npm test: ${files.length - BESIDE.length} files in line ${restCode === 0 ? 'passed' : 'FAILED'}; ` +
    `${BESIDE.length} beside them ${besideCode === 0 ? 'passed' : 'FAILED'}\n`,
);
process.exitCode = restCode === 0 && besideCode === 0 ? 0 : 1;

function exitOf(child) {
  return new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`run-tests: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
