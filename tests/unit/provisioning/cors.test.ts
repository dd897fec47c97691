import { describe, expect, it } from 'vitest';
import { CORS_DEFAULTS, corsBlockOf, corsRulesFor, originsRequiringUploads } from '../../../lib/provisioning/cors.js';

describe('corsRulesFor', () => {
  it("fills the seeds' defaults around the given origins", () => {
    expect(corsRulesFor({ allowedOrigins: ['https://app.example.com'] })).toEqual([
      { allowedOrigins: ['https://app.example.com'], allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 },
    ]);
  });

  it('keeps every override the request gives, including an empty exposed list and a zero max age', () => {
    const [rule] = corsRulesFor({
      allowedOrigins: ['https://a.example.com'],
      allowedMethods: ['GET', 'POST'],
      allowedHeaders: ['Authorization'],
      exposedHeaders: [],
      maxAgeSeconds: 0,
    });

    expect(rule).toEqual({ allowedOrigins: ['https://a.example.com'], allowedMethods: ['GET', 'POST'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 0 });
  });

  it('drops repeated origins and methods, keeping their first order', () => {
    const [rule] = corsRulesFor({ allowedOrigins: ['https://b.example.com', 'https://a.example.com', 'https://b.example.com'], allowedMethods: ['PUT', 'GET', 'PUT'] });

    expect(rule!.allowedOrigins).toEqual(['https://b.example.com', 'https://a.example.com']);
    expect(rule!.allowedMethods).toEqual(['PUT', 'GET']);
  });

  it('never hands out the shared defaults for a caller to mutate', () => {
    const [rule] = corsRulesFor({ allowedOrigins: ['https://a.example.com'] });
    rule!.allowedMethods.push('DELETE');
    rule!.allowedHeaders.push('x');

    expect(CORS_DEFAULTS.allowedMethods).toEqual(['GET', 'HEAD', 'PUT']);
    expect(CORS_DEFAULTS.allowedHeaders).toEqual(['*']);
  });

  it("turns the valohai preset into seed 004's two rules", () => {
    expect(corsRulesFor({ preset: 'valohai', appOrigin: 'https://app.valohai.com' })).toEqual([
      { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
      { allowedOrigins: ['https://app.valohai.com'], allowedMethods: ['POST'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
    ]);
  });
});

describe('originsRequiringUploads', () => {
  it('lists the origins of rules allowing GET, HEAD and PUT together', () => {
    const rules = [
      ...corsRulesFor({ allowedOrigins: ['https://a.example.com', 'https://b.example.com'] }),
      ...corsRulesFor({ allowedOrigins: ['https://c.example.com'], allowedMethods: ['GET', 'HEAD'] }),
      ...corsRulesFor({ allowedOrigins: ['https://d.example.com'], allowedMethods: ['PUT', 'HEAD', 'GET', 'DELETE'] }),
    ];

    expect(originsRequiringUploads(rules)).toEqual(['https://a.example.com', 'https://b.example.com', 'https://d.example.com']);
  });

  it('finds none in the valohai preset (no browser uploads there)', () => {
    expect(originsRequiringUploads(corsRulesFor({ preset: 'valohai', appOrigin: 'https://app.valohai.com' }))).toEqual([]);
  });
});

describe('corsBlockOf', () => {
  it.each([
    ['origins with the defaults', { allowedOrigins: ['https://app.example.com'] }],
    ['every override', { allowedOrigins: ['https://a.example.com'], allowedMethods: ['GET', 'POST'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 0 }],
    ['the valohai preset', { preset: 'valohai', appOrigin: 'https://app.valohai.com' }],
  ] as const)('gives back a request block with the same rules: %s', (_what, block) => {
    const rules = corsRulesFor(block as never);

    expect(corsRulesFor(corsBlockOf(rules)!)).toEqual(rules);
  });

  it('writes the defaults out, so a merge patch of one member keeps the others', () => {
    expect(corsBlockOf(corsRulesFor({ allowedOrigins: ['https://app.example.com'] }))).toEqual({ allowedOrigins: ['https://app.example.com'], ...CORS_DEFAULTS });
  });

  it('has no block for rules a request does not make', () => {
    expect(corsBlockOf([])).toBeUndefined();
    const rule = corsRulesFor({ allowedOrigins: ['https://a.example.com'] })[0]!;
    expect(corsBlockOf([rule, rule, rule])).toBeUndefined();
  });
});
