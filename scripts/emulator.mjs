// Starts the local AWS emulator (moto server plus the project's extension) on 127.0.0.1:<free port>.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureVenv, venvBin } from './venv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A free TCP port on 127.0.0.1. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the emulator and resolves once it answers; `stop()` ends it. `exited` settles when the
 * process ends for any reason; `died` only when it ends without `stop()` (killed, crashed), with a
 * line that says so.
 * @returns {Promise<{ endpoint: string, port: number, pid: number, exited: Promise<{ code: number | null, signal: string | null }>, died: Promise<string>, stop: () => Promise<void> }>}
 */
export const startEmulator = async ({ port, quiet = true, timeoutMs = 60_000 } = {}) => {
  ensureVenv({ quiet });
  const chosen = port ?? (await freePort());
  const child = spawn(venvBin('python'), [join(root, 'scripts', 'emulator', 'server.py'), '--host', '127.0.0.1', '--port', String(chosen)], {
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
    if (!quiet) process.stderr.write(d);
  });
  const endpoint = `http://127.0.0.1:${chosen}`;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stopping = false;
  const died = exited.then(
    ({ code, signal }) =>
      new Promise((resolve) => {
        if (stopping) return;
        // A crash leaves its reason last on stderr; a kill leaves only request logs there.
        const how = signal ? `was killed (${signal})` : `exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
        resolve(`The AWS emulator (moto, pid ${child.pid}, ${endpoint}) ${how}. Every AWS call now fails.`);
      }),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto server exited ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto server did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr}`);
    }
    await sleep(150);
  }
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  return { endpoint, port: chosen, pid: child.pid, exited, died, stop };
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const emu = await startEmulator({ quiet: false, port: process.env.EMULATOR_PORT ? Number(process.env.EMULATOR_PORT) : undefined });
  console.log(`AWS emulator: ${emu.endpoint}`);
  void emu.died.then((why) => {
    console.error(why);
    process.exit(1);
  });
  const shutdown = () => emu.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
