import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `import { z } from 'zod'` makes esbuild keep all of zod (every locale, ~450 KB minified) in each
// handler's bundle; the namespace import lets it drop what is unused (see bench/README.md).
const sources = ['lib', 'handlers', 'templates'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f)),
);

describe('bundle hygiene', () => {
  it.each(sources)('%s imports zod as a namespace', (file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*['"]zod['"]/);
  });

  it('handlers never import an AWS SDK client directly (adapters live in lib/)', () => {
    for (const f of sources.filter((s) => s.startsWith('handlers'))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/from '@aws-sdk\/client-/);
  });
});
