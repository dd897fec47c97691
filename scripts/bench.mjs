#!/usr/bin/env node
// `npm run bench`: runs bench/run.ts with tsx (the benchmarks import the TypeScript sources directly).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts')], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
