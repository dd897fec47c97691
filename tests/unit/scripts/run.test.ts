import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('scripts/run.mjs', () => {
  it('runs a TypeScript entry point in process with its own argv and exit code', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'byob-run-')), 'entry.ts');
    writeFileSync(script, 'const args: string[] = process.argv.slice(2);\nconsole.log(JSON.stringify(args));\nprocess.exitCode = 3;\n');

    const r = spawnSync(process.execPath, ['scripts/run.mjs', script, 'a', '--b'], { encoding: 'utf8' });

    expect(r.stdout.trim()).toBe('["a","--b"]');
    expect(r.status).toBe(3);
  });

  it('says how to call it when no script is named', () => {
    const r = spawnSync(process.execPath, ['scripts/run.mjs'], { encoding: 'utf8' });

    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: node scripts\/run.mjs <script/);
  });
});
