import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS_USED } from '../../../bench/bundles.js';
import { bundleFunctions, deployedBuild, type FunctionBundle, sdkClientsIn } from '../../../scripts/deployed-bundles.js';

// A handler's bundle holds whatever its module graph imports, so the dependency tier it wires (lib/wiring)
// decides which AWS SDK clients it ships and loads at every cold start. CLIENTS_USED declares what each
// function's code calls; its bundle, built with the deployed esbuild options, must carry exactly those:
// an extra client is a handler that took a fuller tier than it needs, a missing one a tier that lost a client.
const root = resolve(import.meta.dirname, '../../..');
const { functions } = deployedBuild(root);

describe('bundle tiers', () => {
  let bundles: Map<string, FunctionBundle>;

  beforeAll(async () => {
    const built = await bundleFunctions(root, functions, join(tmpdir(), 'byob-bundle-tiers'), { write: false, logLevel: 'error' });
    bundles = new Map(built.map((b) => [b.name, b]));
  });

  it('declares the clients of every function serverless.yml deploys, and of no other', () => {
    expect(Object.keys(CLIENTS_USED).sort()).toEqual(functions.map((f) => f.name).sort());
  });

  it.each(functions)('$name ($entry) carries exactly the SDK clients it calls', ({ name }) => {
    expect(sdkClientsIn(bundles.get(name)!.output)).toEqual([...(CLIENTS_USED[name] ?? [])].sort());
  });
});
