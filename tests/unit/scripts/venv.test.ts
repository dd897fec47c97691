import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('scripts/venv.mjs', () => {
  it('stops with what to install when no usable python3 is found', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'byob-venv-'));
    const r = spawnSync(process.execPath, ['scripts/venv.mjs'], {
      encoding: 'utf8',
      // An empty PATH and no PYTHON: neither python3 nor its venv module can be found.
      env: { PATH: join(scratch, 'no-bin'), BYOB_VENV: join(scratch, 'venv'), PYTHON: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs Python >= 3\.9 with its venv module/);
    expect(r.stderr).toMatch(/apt-get install python3 python3-venv/);
  });
});
