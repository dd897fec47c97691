// Creates the project-local Python virtualenv (.venv) with the pinned tools of
// scripts/emulator/requirements.txt, once per version of that file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// BYOB_VENV relocates it (tests of the missing-Python path use a scratch directory).
const venv = process.env.BYOB_VENV || join(root, '.venv');
const requirements = join(root, 'scripts', 'emulator', 'requirements.txt');
const stamp = join(venv, '.requirements.sha256');

/** Paths of the tools inside the project virtualenv. */
export const venvBin = (tool) => join(venv, 'bin', tool);

const run = (cmd, args, what) => {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`})`);
  }
};

const pythonOrExplain = () => {
  for (const candidate of [process.env.PYTHON, 'python3'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys, venv, ensurepip; print(sys.version_info >= (3, 9))'], {
      encoding: 'utf8',
    });
    if (probe.status === 0 && probe.stdout.trim() === 'True') return candidate;
  }
  throw new Error(
    'The local AWS emulator needs Python >= 3.9 with its venv module. Install it, e.g. ' +
      '`apt-get install python3 python3-venv` (Debian/Ubuntu) or `brew install python` (macOS), ' +
      'or point PYTHON at a suitable interpreter.',
  );
};

/** Ensures .venv exists and matches requirements.txt; returns the venv path. */
export const ensureVenv = ({ quiet = false } = {}) => {
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted && existsSync(venvBin('moto_server'))) {
    return venv;
  }
  const python = pythonOrExplain();
  if (!quiet) console.error(`Creating the project virtualenv in ${venv} (moto, cfn-lint, checkov, schemathesis)…`);
  if (!existsSync(venvBin('python'))) run(python, ['-m', 'venv', venv], 'python3 -m venv');
  run(venvBin('python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], 'pip install');
  writeFileSync(stamp, `${wanted}\n`);
  return venv;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(ensureVenv());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
