/**
 * Per-handler bundles: the deployable zips' sizes, the SDK clients each bundle carries, cold import
 * time against a bundle of only those clients, and the peak RSS of one cold invocation.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { bundleFunctions, type DeployedFunction, deployedBuild, sdkClientsIn } from '../scripts/deployed-bundles.js';
import { median } from './stats.js';

/** The deployment's esbuild options (serverless.yml, as serverless-esbuild applies them), errors only. */
export const esbuildOptions = (root: string): BuildOptions => ({ ...deployedBuild(root).options, logLevel: 'error' });

/** The SDK clients a bundle may carry, by package. */
export const CLIENT_PACKAGES = ['dynamodb', 's3', 'cloudformation', 'kms', 'sts', 'sns', 'sqs'] as const;
type Client = (typeof CLIENT_PACKAGES)[number];

// The provisioning functions queue a webhook delivery run after every status change (SQS).
const FULL: Client[] = ['dynamodb', 's3', 'cloudformation', 'kms', 'sts', 'sqs'];

/**
 * The clients each function needs, by what its code calls (not by what its bundle happens to hold);
 * tests/integration/core/bundle-tiers.test.ts holds every deployed bundle to exactly this set.
 */
export const CLIENTS_USED: Record<string, Client[]> = {
  createRequest: ['dynamodb', 's3', 'cloudformation', 'sts', 'sqs'], // template to S3, CreateStack, AssumeRole of a customer role, HeadBucket of a retained bucket; no bucket checks
  deleteRequest: ['dynamodb', 'cloudformation', 'sts', 'sqs'], // DeleteStack, as the vendor or the customer's role
  patchRequest: ['dynamodb', 's3', 'cloudformation', 'sts', 'sqs'], // the re-rendered template to S3, change sets as the vendor or the customer's role; the stack events verify
  upgradeRequest: ['dynamodb', 's3', 'cloudformation', 'sts', 'sqs'], // as patchRequest
  bulkUpgrade: ['dynamodb', 's3', 'cloudformation', 'sts', 'sqs'], // as upgradeRequest, a batch at a time; its dry run's change sets too
  verifyRequest: FULL, // S3 and KMS checks, and drift detection of a READY or DEGRADED request's stack, as the vendor or the customer's role
  stackEvents: FULL, // DescribeStacks/StackEvents, then verification
  registration: ['dynamodb', 's3', 'kms', 'sts', 'sqs'], // verification after quick-create
  reconcile: FULL, // every overdue path: stacks, verification
  deliverWebhooks: ['dynamodb', 'sqs'], // the outbox, and its own messages kept for a retry
  getRequest: ['dynamodb'],
  listRequests: ['dynamodb'],
  settings: ['dynamodb'],
  rotateWebhookSecret: ['dynamodb'],
  redeliverCallbacks: ['dynamodb'],
  revokeOnboarding: ['dynamodb'],
  onboardingPage: ['dynamodb'], // one record by id, no authenticator
  onboardingStatus: ['dynamodb'],
  onboardingAsset: [],
  getTemplate: ['dynamodb', 's3', 'cloudformation', 'sts'], // GetTemplate of a direct stack (as the vendor or the customer's role), the stored quick-create template from S3
  verifyExisting: ['dynamodb', 's3', 'kms', 'sts'], // the table for the rate limit and the tenant's ExternalId; STS to check AWS buckets as the tenant's role
  openapi: [],
};

/** The functions of serverless.yml and their entry files. */
export const functionsOf = (root: string): DeployedFunction[] => deployedBuild(root).functions;

/** What one bundle holds. */
export interface BundleInfo {
  name: string;
  file: string;
  gzipBytes: number;
  clients: Client[];
}

/** Builds every handler with the deployment's options into `outDir`. */
export const buildHandlers = async (root: string, outDir: string, fns: readonly DeployedFunction[]): Promise<BundleInfo[]> => {
  mkdirSync(outDir, { recursive: true });
  return (await bundleFunctions(root, fns, outDir, { logLevel: 'error' })).map((b) => {
    const carried = sdkClientsIn(b.output);
    return { name: b.name, file: b.file, gzipBytes: gzipSync(readFileSync(b.file), { level: 9 }).length, clients: CLIENT_PACKAGES.filter((c) => carried.includes(c)) };
  });
};

const CLIENT_CLASS: Record<Client, string> = {
  dynamodb: 'DynamoDBClient',
  s3: 'S3Client',
  cloudformation: 'CloudFormationClient',
  kms: 'KMSClient',
  sts: 'STSClient',
  sns: 'SNSClient',
  sqs: 'SQSClient',
};

/** Builds the baseline for a set of clients: a bundle that imports and constructs only them. */
export const buildBaseline = async (root: string, outDir: string, clients: readonly Client[]): Promise<string> => {
  const key = clients.length ? clients.join('+') : 'none';
  const file = join(outDir, `baseline-${key}.mjs`);
  const lines = clients.map((c) => `import { ${CLIENT_CLASS[c]} } from '@aws-sdk/client-${c}';`);
  if (clients.includes('dynamodb')) lines.push("import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';");
  const made = clients.map((c) =>
    c === 'dynamodb' ? 'DynamoDBDocumentClient.from(new DynamoDBClient({}))' : `new ${CLIENT_CLASS[c]}({})`,
  );
  lines.push(`export const clients = [${made.join(', ')}];`, 'export const handler = async () => clients.length;');
  await build({ ...esbuildOptions(root), stdin: { contents: lines.join('\n'), resolveDir: root, loader: 'ts' }, outfile: file });
  return file;
};

// The deployment's archive format (deflate level 9, fixed times): the plugin serverless.yml runs after
// serverless-esbuild. The clients-only baselines are zipped with it, so zips compare like with like.
const { writeZip } = createRequire(import.meta.url)('../scripts/recompress-artifacts.cjs') as {
  writeZip(entries: { name: string; data: Buffer; mtime: Date }[], file: string): Promise<void>;
};

/** Zips a bundle the way the deployment zips a function's, and returns the zip's size. */
export const zipSize = async (file: string): Promise<number> => {
  const zip = `${file}.zip`;
  await writeZip([{ name: basename(file), data: readFileSync(file), mtime: new Date(0) }], zip);
  return statSync(zip).size;
};

/** Runs `npx serverless package` and returns each zip's size. */
export const packageZips = (root: string): Record<string, number> => {
  execFileSync('npx', ['serverless', 'package'], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    timeout: 300_000,
  });
  const dir = join(root, '.serverless');
  const sizes: Record<string, number> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.zip')) sizes[f.replace(/\.zip$/, '')] = statSync(join(dir, f)).size;
  return sizes;
};

/** What one fresh process measured. */
export interface ProcessSample {
  importMs: number;
  /** CPU time of the whole process (every thread) during the import. */
  importCpuMs: number;
  maxRssKb: number;
  invoked?: string;
}

// Imports the bundle (timed inside the process, so node's own start-up is not counted), optionally
// invokes its handler once, and reports resourceUsage().maxRSS.
const CHILD = `
const [file, eventJson] = process.argv.slice(1);
const c0 = process.cpuUsage();
const t0 = performance.now();
const m = await import(file);
const importMs = performance.now() - t0;
const c1 = process.cpuUsage(c0);
const importCpuMs = (c1.user + c1.system) / 1000;
let invoked;
if (eventJson) {
  try { const r = await m.handler(JSON.parse(eventJson), {}); invoked = typeof r === 'object' && r && 'statusCode' in r ? 'HTTP ' + r.statusCode : 'ok'; }
  catch (e) { invoked = 'threw ' + (e && e.name); }
}
process.stdout.write(JSON.stringify({ importMs, importCpuMs, maxRssKb: process.resourceUsage().maxRSS, invoked }));
process.exit(0);
`;

/** One fresh `node` process importing (and optionally invoking) a bundle. */
export const freshProcess = (file: string, env: NodeJS.ProcessEnv, event?: unknown): Promise<ProcessSample> =>
  new Promise((resolve, reject) => {
    const args = ['--input-type=module', '--no-warnings', '-e', CHILD, file, ...(event === undefined ? [] : [JSON.stringify(event)])];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out) as ProcessSample);
      } catch {
        reject(new Error(`${file}: exit ${code}: ${err.slice(0, 500)}`));
      }
    });
  });

/** A bundle's cold import: medians of the wall time (the goal) and of the process's CPU time. */
export interface ColdImport {
  wallMs: number;
  cpuMs: number;
}

/** Median cold import of each file over `runs` fresh processes, interleaved so load drift hits all alike. */
export const coldImports = async (files: readonly string[], env: NodeJS.ProcessEnv, runs: number): Promise<Map<string, ColdImport>> => {
  const samples = new Map<string, ProcessSample[]>(files.map((f) => [f, []]));
  for (let i = 0; i < runs; i++) {
    for (const f of files) samples.get(f)!.push(await freshProcess(f, env));
  }
  return new Map([...samples].map(([f, xs]) => [f, { wallMs: median(xs.map((x) => x.importMs)), cpuMs: median(xs.map((x) => x.importCpuMs)) }]));
};

/**
 * Cold imports of each bundle and of its baseline, sampled back to back (in alternating order) in every
 * one of `runs` rounds, so that both medians of a pair are taken under the same load: on a shared
 * machine, what a bundle adds to its baseline is then its own cost rather than its neighbours' load.
 */
export const pairedColdImports = async (
  pairs: readonly { file: string; baseline: string }[],
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<{ mine: ColdImport; clientsOnly: ColdImport }[]> => {
  const samples = pairs.map(() => ({ mine: [] as ProcessSample[], clientsOnly: [] as ProcessSample[] }));
  for (let i = 0; i < runs; i++) {
    for (const [k, p] of pairs.entries()) {
      const order = i % 2 === 0 ? (['mine', 'clientsOnly'] as const) : (['clientsOnly', 'mine'] as const);
      for (const which of order) samples[k]![which].push(await freshProcess(which === 'mine' ? p.file : p.baseline, env));
    }
  }
  const medians = (xs: ProcessSample[]): ColdImport => ({ wallMs: median(xs.map((x) => x.importMs)), cpuMs: median(xs.map((x) => x.importCpuMs)) });
  return samples.map((s) => ({ mine: medians(s.mine), clientsOnly: medians(s.clientsOnly) }));
};

/** Writes a file only if missing (a scratch directory for bundles). */
export const ensureDir = (dir: string): string => {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.gitignore'), '*\n');
  return dir;
};
