/**
 * Where a bundle's size and cold import go: small bundles of one piece each (an SDK client, zod, the
 * logger, jose, our config and schemas), built with the deployment's esbuild options and imported in
 * fresh processes like the handlers. Not goals: the figures that explain the per-handler rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { coldImports, esbuildOptions } from './bundles.js';
import { kb, ms } from './stats.js';

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
  { name: 'zod (one small object schema)', source: "import * as z from 'zod';\nexport const s = z.object({ a: z.string() });" },
  { name: 'zod/mini (one small object schema)', source: "import * as z from 'zod/mini';\nexport const s = z.object({ a: z.string() });" },
  { name: 'lib/config.ts (zod env schema)', source: "export { config } from './lib/config.ts';" },
  { name: 'lib/provisioning/request.ts (request and view schemas)', source: "export * from './lib/provisioning/request.ts';" },
  { name: 'Powertools logger (lib/logger.ts)', source: "export { logger } from './lib/logger.ts';" },
  { name: 'jose (jwtVerify, createLocalJWKSet)', source: "export { jwtVerify, createLocalJWKSet } from 'jose';" },
];

/** One row of the attribution table. */
export interface PieceFigure {
  name: string;
  gzipBytes: number;
  importMs: number;
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
  const figures = PIECES.map((p, i) => ({ name: p.name, gzipBytes: gzipSync(readFileSync(files[i]!), { level: 9 }).length, importMs: medians.get(files[i]!)! }));
  const empty = figures[0]!.importMs;
  const lines = [
    '| piece (alone) | gzip | cold import | over an empty module |',
    '|---|---|---|---|',
    ...figures.map((f) => `| ${f.name} | ${kb(f.gzipBytes)} | ${ms(f.importMs)} | ${f === figures[0] ? '—' : `+${ms(f.importMs - empty)}`} |`),
  ];
  return { figures, table: lines.join('\n') };
};
