import type { CorsRule } from '../../templates/spec.js';
import type { CreateByobRequest } from './request.js';

/** The seeds' CORS defaults (seed 003: GET/HEAD/PUT, headers *, expose ETag, max age 3600 s). */
export const CORS_DEFAULTS = {
  allowedMethods: ['GET', 'HEAD', 'PUT'],
  allowedHeaders: ['*'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3600,
} as const satisfies Omit<CorsRule, 'allowedOrigins'>;

// Seed 004 (Valohai): GET from anywhere, POST from the app origin, both with the Authorization header.
const valohaiRules = (appOrigin: string): CorsRule[] => [
  { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
  { allowedOrigins: [appOrigin], allowedMethods: ['POST'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
];

/** Turns the request's CORS block into S3 CORS rules, applying the seed defaults or the seed 004 preset. */
export const corsRulesFor = (cors: CreateByobRequest['cors']): CorsRule[] => {
  if ('preset' in cors) return valohaiRules(cors.appOrigin);
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

/**
 * The request's CORS block that gives these rules (the inverse of {@link corsRulesFor}, every default
 * written out), so a merge patch of `cors` applies to what the request says now; undefined when the
 * rules are not of a shape a request makes.
 */
export const corsBlockOf = (rules: CorsRule[]): CreateByobRequest['cors'] | undefined => {
  const appOrigin = rules[1]?.allowedOrigins[0];
  if (rules.length === 2 && appOrigin && JSON.stringify(rules) === JSON.stringify(valohaiRules(appOrigin))) return { preset: 'valohai', appOrigin };
  const [rule] = rules;
  if (rules.length !== 1 || !rule) return undefined;
  return { allowedOrigins: [...rule.allowedOrigins], allowedMethods: [...rule.allowedMethods], allowedHeaders: [...rule.allowedHeaders], exposedHeaders: [...rule.exposedHeaders], maxAgeSeconds: rule.maxAgeSeconds };
};
