import type { CorsRule } from '../../templates/spec.js';
import type { CreateByobRequest } from './request.js';

/** The seeds' CORS defaults (seed 003: GET/HEAD/PUT, headers *, expose ETag, max age 3600 s). */
export const CORS_DEFAULTS = {
  allowedMethods: ['GET', 'HEAD', 'PUT'],
  allowedHeaders: ['*'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3600,
} as const satisfies Omit<CorsRule, 'allowedOrigins'>;

/** Turns the request's CORS block into S3 CORS rules, applying the seed defaults or the seed 004 preset. */
export const corsRulesFor = (cors: CreateByobRequest['cors']): CorsRule[] => {
  if ('preset' in cors) {
    // Seed 004 (Valohai): GET from anywhere, POST from the app origin, both with the Authorization header.
    return [
      { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
      { allowedOrigins: [cors.appOrigin], allowedMethods: ['POST'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
    ];
  }
  return [
    {
      allowedOrigins: [...new Set(cors.allowedOrigins)],
      allowedMethods: [...new Set(cors.allowedMethods ?? CORS_DEFAULTS.allowedMethods)],
      allowedHeaders: [...(cors.allowedHeaders ?? CORS_DEFAULTS.allowedHeaders)],
      exposedHeaders: [...(cors.exposedHeaders ?? CORS_DEFAULTS.exposedHeaders)],
      maxAgeSeconds: cors.maxAgeSeconds ?? CORS_DEFAULTS.maxAgeSeconds,
    },
  ];
};

/** Origins that must be allowed GET, HEAD and PUT with ETag exposed (what the vendor's browser uploads need). */
export const originsRequiringUploads = (rules: CorsRule[]): string[] =>
  rules
    .filter((r) => ['GET', 'HEAD', 'PUT'].every((m) => r.allowedMethods.includes(m as CorsRule['allowedMethods'][number])))
    .flatMap((r) => r.allowedOrigins);
