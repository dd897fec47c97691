// npm test: creates the project virtualenv (emulator, cfn-lint, checkov) if needed, type-checks, then runs
// every vitest project (unit, integration against the emulator, e2e through serverless-offline).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { ensureVenv } from './venv.mjs';

ensureVenv();
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' } }).status ?? 1;

if (run('npx', ['tsc', '--noEmit']) !== 0) {
  console.error('Type check failed.');
  process.exit(1);
}
mkdirSync('.local', { recursive: true });
const report = '.local/vitest-report.json';
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`\nTests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
}
process.exit(status);
