// npm test: creates the project virtualenv (emulator, cfn-lint, checkov) if needed, type-checks, then runs
// every vitest project (unit, integration against the emulator, e2e through serverless-offline).
// `npm run test:<project>` runs one project (`--project <name>`) and skips the type check
// (`--skip-type-check`): vitest does not type-check, so a focused loop leaves that to `npm test` and
// `npm run typecheck` (the type check takes longer here than the whole unit project).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { ensureVenv } from './venv.mjs';

const SKIP_TYPE_CHECK = '--skip-type-check';
const given = process.argv.slice(2);
const vitestArgs = given.filter((a) => a !== SKIP_TYPE_CHECK);

ensureVenv();
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' } }).status ?? 1;

if (!given.includes(SKIP_TYPE_CHECK) && run('npx', ['tsc', '--noEmit']) !== 0) {
  console.error('Type check failed.');
  process.exit(1);
}
mkdirSync('.local', { recursive: true });
const report = '.local/vitest-report.json';
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`\nTests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
}
process.exit(status);
