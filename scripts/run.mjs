// The project's entry points run through here: `node scripts/run.mjs <script.mjs|script.ts> [args]`.
// On a Node older than package.json `engines.node` it re-runs itself under the project's Node (see
// node.mjs) with that Node first on PATH, so every child (npx, vitest workers, serverless-offline) runs
// on it too; otherwise it runs the script in this process, TypeScript through tsx.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, delimiter, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureNode } from './node.mjs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run.mjs <script.mjs|script.ts> [args…]');
  process.exit(2);
}

let node;
try {
  node = ensureNode();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

if (node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` },
  });
  // Ctrl-C reaches the child from the terminal's process group: forwarding it too would make the child
  // see it twice. Signals sent to this process alone are passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`${node}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  const path = resolve(script);
  // The script sees the command line it would see if run directly: argv[1] is itself.
  process.argv.splice(1, 2, path);
  if (/\.[cm]?ts$/.test(path)) (await import('tsx/esm/api')).register();
  await import(pathToFileURL(path).href);
}
