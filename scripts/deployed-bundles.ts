/**
 * The bundles `serverless package` makes, rebuilt outside the framework: serverless.yml read as osls
 * reads it, `custom.esbuild` and the provider's runtime turned into esbuild options the way
 * serverless-esbuild turns them, and each function bundled from the entry file the plugin picks.
 * The bench and the bundle-tier test build with these, so neither keeps a copy of the options.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { extractFunctionEntries, providerRuntimeMatcher } from 'serverless-esbuild/dist/helper.js';
import * as z from 'zod';

// osls parses serverless.yml with js-yaml and its own schema of CloudFormation tags (!Ref, !GetAtt…);
// taking both from osls reads the file exactly as the deployment does, with no parser of our own.
const fromOsls = createRequire(createRequire(import.meta.url).resolve('osls/package.json'));
const yaml = fromOsls('js-yaml') as { load(text: string, options: { filename: string; schema: unknown }): unknown };
const cloudformationSchema: unknown = fromOsls('./lib/utils/serverless-utils/cloudformation-schema.js');

const Service = z.object({
  provider: z.object({ name: z.string(), runtime: z.string().optional() }),
  custom: z.object({ esbuild: z.record(z.string(), z.unknown()).optional() }).optional(),
  functions: z.record(z.string(), z.looseObject({ handler: z.string().optional(), runtime: z.string().optional() })).default({}),
});

// serverless-esbuild 1.57.2, dist/index.js `getBuildOptions`: these defaults, then the target of the
// provider's runtime, then custom.esbuild. It merges with ramda's mergeDeepRight; no default that
// reaches esbuild is an object, so a spread merges the same.
const PLUGIN_DEFAULTS = { bundle: true, target: 'node18', external: [], exclude: ['aws-sdk'], platform: 'node', outputFileExtension: '.js' };

// dist/bundle.js: the plugin's own settings, removed before the rest is handed to esbuild.
const PLUGIN_ONLY = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

// Settings that load code from the service (an options factory, esbuild plugins): mirroring them
// would mean running that code here, so the reader refuses rather than build something else.
const NOT_MIRRORED = ['config', 'plugins'];

/** A function of serverless.yml and the file its bundle is built from, relative to the service. */
export interface DeployedFunction {
  name: string;
  entry: string;
}

/** The esbuild options shared by every function's bundle, and the functions. */
export interface DeployedBuild {
  /** What serverless-esbuild hands esbuild, less the per-bundle `entryPoints` and `outdir`. */
  options: BuildOptions;
  functions: DeployedFunction[];
}

// osls resolves `${…}` variables before the plugin reads them; this reader resolves none, so a value
// that still holds one would reach esbuild as the literal text.
const refuseVariables = (value: unknown, where: string): void => {
  if (typeof value === 'string' && value.includes('${')) throw new Error(`serverless.yml ${where}: "${value}" needs variable resolution; write the value itself`);
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) refuseVariables(v, `${where}.${k}`);
};

/** Reads `root/serverless.yml` and derives the build `serverless package` would run. */
export const deployedBuild = (root: string): DeployedBuild => {
  const file = join(root, 'serverless.yml');
  const service = Service.parse(yaml.load(readFileSync(file, 'utf8'), { filename: file, schema: cloudformationSchema }));
  const custom = service.custom?.esbuild ?? {};
  const { runtime, name: provider } = service.provider;
  refuseVariables(custom, 'custom.esbuild');
  refuseVariables(runtime, 'provider.runtime');
  for (const key of NOT_MIRRORED) if (key in custom) throw new Error(`serverless.yml custom.esbuild.${key}: scripts/deployed-bundles.ts does not mirror it`);
  const targets: Record<string, string> = providerRuntimeMatcher[provider] ?? {};
  const runtimeTarget = runtime === undefined ? undefined : targets[runtime];
  if (runtimeTarget === undefined) throw new Error(`serverless.yml provider.runtime: ${runtime} is no Node.js runtime serverless-esbuild knows for ${provider}`);

  const merged: Record<string, unknown> = { ...PLUGIN_DEFAULTS, target: runtimeTarget, ...custom };
  const exclude = [merged.exclude].flat().filter((x): x is string => typeof x === 'string');
  const external = [merged.external].flat().filter((x): x is string => typeof x === 'string');
  const options: Record<string, unknown> = Object.fromEntries(Object.entries(merged).filter(([k]) => !PLUGIN_ONLY.includes(k)));
  options.external = [...external, ...(exclude.includes('*') ? [] : exclude)];
  if (merged.outputFileExtension !== '.js') options.outExtension = { '.js': merged.outputFileExtension };
  // serverless-esbuild runs esbuild in the service directory; relative paths (alias) resolve from it.
  options.absWorkingDir = root;

  // As the plugin's `functions`: those with a handler on a Node.js runtime; then its own entry lookup.
  const nodeFunctions = Object.fromEntries(
    Object.entries(service.functions).filter(([, f]) => f.handler !== undefined && targets[f.runtime ?? runtime!] !== undefined),
  );
  for (const [name, f] of Object.entries(nodeFunctions)) refuseVariables(f.handler, `functions.${name}.handler`);
  const resolveExtensions = Array.isArray(options.resolveExtensions) ? (options.resolveExtensions as string[]) : undefined;
  // The plugin runs in the service directory and its lookup resolves the handler's path against the
  // process's; taken back to the service directory, the entry is right from any working directory.
  const functions = extractFunctionEntries(root, provider, nodeFunctions, resolveExtensions).map((e) => ({
    name: e.functionAlias!,
    entry: relative(process.cwd(), resolve(root, e.entry)),
  }));
  // esbuild validates every option itself and rejects unknown or mistyped ones.
  return { options: options as BuildOptions, functions };
};

/** One function's bundle: where it is (or would be) written and what went into it. */
export interface FunctionBundle extends DeployedFunction {
  file: string;
  output: Metafile['outputs'][string];
}

/**
 * Bundles functions with the deployment's options in one esbuild run (no code splitting, so each
 * output is what that function's own build makes) into `outDir/<function><ext>`; `write: false`
 * keeps them in memory.
 */
export const bundleFunctions = async (root: string, functions: readonly DeployedFunction[], outDir: string, overrides: BuildOptions = {}): Promise<FunctionBundle[]> => {
  const { options } = deployedBuild(root);
  const result = await build({
    ...options,
    ...overrides,
    entryPoints: functions.map((f) => ({ in: f.entry, out: f.name })),
    outdir: outDir,
    metafile: true,
  });
  const outputs = new Map(Object.entries(result.metafile.outputs).map(([path, output]) => [resolve(root, path), output]));
  const ext = options.outExtension?.['.js'] ?? '.js';
  return functions.map((f) => {
    const file = resolve(outDir, `${f.name}${ext}`);
    const output = outputs.get(file);
    if (!output) throw new Error(`esbuild wrote no ${file} for function ${f.name}`);
    return { ...f, file, output };
  });
};

/** The AWS SDK clients whose code an output holds, by package suffix (`@aws-sdk/client-s3` → `s3`), sorted. */
export const sdkClientsIn = (output: Metafile['outputs'][string]): string[] => {
  const clients = new Set<string>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const client = /(?:^|\/)node_modules\/@aws-sdk\/client-([^/]+)\//.exec(path)?.[1];
    if (client && input.bytesInOutput > 0) clients.add(client);
  }
  return [...clients].sort();
};
