import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The shape of the house, checked on every run: one concept per folder, no import circles, no second
// home for a name. Read from the source text, so a type-only import counts like any other.

const SOURCE_ROOTS = ['lib', 'handlers', 'templates'];

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });

const files = SOURCE_ROOTS.flatMap(sourceFiles);
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

/** The project files a module imports (relative specifiers only), type-only ones included. */
const importsOf = (file: string): string[] =>
  [...text.get(file)!.matchAll(SPECIFIER)]
    .map((m) => m[1] ?? m[2]!)
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'))
    .filter((target) => text.has(target));

/** Every import cycle, each as the files around it (strongly connected components of more than one file). */
const cycles = (): string[][] => {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of importsOf(v)) {
      if (w === v) {
        found.push([v]);
      } else if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
};

describe('the source tree', () => {
  it('has no import circle in lib/, handlers/ or templates/ (type-only imports count)', () => {
    expect(cycles()).toEqual([]);
  });

  it('finds a circle when there is one (the check is not vacuous)', () => {
    text.set('lib/__a.ts', "import type { B } from './__b.js';");
    text.set('lib/__b.ts', "import { a } from './__a.js';");
    files.push('lib/__a.ts', 'lib/__b.ts');
    try {
      expect(cycles()).toContainEqual(['lib/__a.ts', 'lib/__b.ts']);
    } finally {
      files.splice(files.indexOf('lib/__a.ts'), 2);
      text.delete('lib/__a.ts');
      text.delete('lib/__b.ts');
    }
  });

  it('gives every exported name one home: no re-export shims or barrels', () => {
    const reexports = files.filter((f) => /^export\s+(?:type\s+)?(?:\*|\{[^}]*\})\s+from\s/m.test(text.get(f)!));
    expect(reexports).toEqual([]);
  });

  it('keeps lib/ grouped by concept: at most 6 files at its root, no source file over 400 lines', () => {
    const root = readdirSync('lib').filter((n) => n.endsWith('.ts'));
    expect(root.length, root.join(', ')).toBeLessThanOrEqual(6);
    const long = files
      .filter((f) => f.startsWith('lib'))
      .map((f) => [relative('.', f), text.get(f)!.split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it('keeps handlers thin: no AWS SDK import, no environment read', () => {
    const fat = files
      .filter((f) => f.startsWith('handlers'))
      .filter((f) => /from '@aws-sdk\//.test(text.get(f)!) || /process\.env/.test(text.get(f)!));
    expect(fat).toEqual([]);
  });
});
