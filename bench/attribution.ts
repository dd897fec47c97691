/**
 * Where a bundle's size and cold import go: small bundles of one piece each (an SDK client, zod and
 * zod/mini, the logger, jose, our config and schemas, and what this round took off the start-up path),
 * built with the deployment's esbuild options and imported in fresh processes like the handlers. Not
 * goals: the figures that explain the per-handler rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { coldImports, esbuildOptions } from './bundles.js';
import { kb, ms, plusMs } from './stats.js';

interface Piece {
  name: string;
  source: string;
  /** Keep the SDK's own default credential chain (no `alias`). */
  defaultChain?: boolean;
  options?: BuildOptions;
}

const DDB = "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\nexport const c = DynamoDBDocumentClient.from(new DynamoDBClient({}));";

/** The pieces, each measured alone. */
export const PIECES: readonly Piece[] = [
  { name: 'empty module', source: 'export const handler = async () => 0;' },
  { name: 'DynamoDB + document client (deployed options)', source: DDB },
  { name: 'DynamoDB + document client, SDK default credential chain', source: DDB, defaultChain: true },
  { name: 'DynamoDB + document client, SDK left to node_modules (external)', source: DDB, options: { external: ['@aws-sdk/*', '@smithy/*'] } },
  { name: 'S3 client', source: "import { S3Client } from '@aws-sdk/client-s3';\nexport const c = new S3Client({});" },
  { name: 'zod, full API (one small object schema)', source: "import * as z from 'zod';\nexport const s = z.object({ a: z.string() });" },
  { name: 'zod/mini with English messages (one small object schema)', source: "import './lib/validation/messages.ts';\nimport * as z from 'zod/mini';\nexport const s = z.object({ a: z.string() });" },
  { name: 'lib/config.ts (env schema, zod/mini)', source: "export { config } from './lib/config.ts';" },
  { name: 'lib/provisioning/request.ts (POST /byob body schema, zod/mini)', source: "export * from './lib/provisioning/request.ts';" },
  { name: 'lib/provisioning/view.ts (view schema: OpenAPI only, no handler builds it)', source: "export * from './lib/provisioning/view.ts';" },
  { name: 'Powertools logger built at start-up (as before)', source: "import { Logger } from '@aws-lambda-powertools/logger';\nexport const logger = new Logger({ serviceName: 'byob' });" },
  { name: 'lib/logger.ts (Powertools logger built for the first line)', source: "export { logger } from './lib/logger.ts';" },
  { name: 'jose (jwtVerify, createLocalJWKSet)', source: "export { jwtVerify, createLocalJWKSet } from 'jose';" },
  { name: 'node:http (webhook delivery imports it only for plain http)', source: "export { request } from 'node:http';" },
  { name: 'standardwebhooks (signing now uses node:crypto)', source: "import { Webhook } from 'standardwebhooks';\nexport const sign = (s: string) => new Webhook(s);" },
];

/** One row of the attribution table. */
export interface PieceFigure {
  name: string;
  gzipBytes: number;
  importMs: number;
  importCpuMs: number;
}

/** Builds and times every piece; returns the figures and a printable table. */
export const attribution = async (root: string, outDir: string, env: NodeJS.ProcessEnv, runs: number): Promise<{ figures: PieceFigure[]; table: string }> => {
  const files: string[] = [];
  for (const [i, p] of PIECES.entries()) {
    const file = join(outDir, `piece-${i}.mjs`);
    const base = esbuildOptions(root);
    if (p.defaultChain) delete base.alias;
    await build({ ...base, ...p.options, stdin: { contents: p.source, resolveDir: root, loader: 'ts' }, outfile: file });
    files.push(file);
  }
  const medians = await coldImports(files, env, runs);
  const figures = PIECES.map((p, i) => {
    const m = medians.get(files[i]!)!;
    return { name: p.name, gzipBytes: gzipSync(readFileSync(files[i]!), { level: 9 }).length, importMs: m.wallMs, importCpuMs: m.cpuMs };
  });
  const empty = figures[0]!;
  const lines = [
    '| piece (alone) | gzip | cold import | over an empty module | CPU over an empty module |',
    '|---|---|---|---|---|',
    ...figures.map((f) => `| ${f.name} | ${kb(f.gzipBytes)} | ${ms(f.importMs)} | ${f === empty ? '—' : plusMs(f.importMs - empty.importMs)} | ${f === empty ? '—' : plusMs(f.importCpuMs - empty.importCpuMs)} |`),
  ];
  return { figures, table: lines.join('\n') };
};
