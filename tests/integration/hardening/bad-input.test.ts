import { SignJWT, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../lib/wiring/deps.js';
import { MAX_BODY_BYTES } from '../../../lib/http/http-handler.js';
import { mintToken } from '../../../scripts/local-auth.js';
import { directBody, makeWorld, type Req, type RouteKey, send, type World } from './world.js';

// Hostile input through the real middy handlers over the emulator: every case is a 4xx
// application/problem+json with the security headers, and afterwards nothing exists: no stack, no
// record, no idempotency item, no stored template.
let world: World;
let deps: Deps;
let tenant: string;
let token: string;

beforeAll(async () => {
  world = await makeWorld();
  deps = world.deps({ deliverNow: async () => undefined });
  tenant = world.tenant('hostile');
  token = await world.token(tenant);
});

interface Case {
  name: string;
  route?: RouteKey;
  req: Omit<Req, 'method' | 'route'>;
  status: number;
}

const json = (body: unknown, extra: Omit<Req, 'method' | 'route' | 'json' | 'raw'> = {}): Omit<Req, 'method' | 'route'> => ({ raw: JSON.stringify(body), headers: { 'content-type': 'application/json', ...extra.headers }, ...extra });
const valid = directBody({ team: 'hostile' });
const body = (over: Record<string, unknown>) => json({ ...valid, ...over });
const rawBody = (raw: string) => ({ raw, headers: { 'content-type': 'application/json' } });
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): unknown => (depth === 0 ? 'x' : { a: deepObject(depth - 1) });

const CYRILLIC_A = '\u0430';
const CYRILLIC_E = '\u0435';

const wrongTypes: Array<[string, unknown]> = [
  ['scope', 1], ['scope', true], ['scope', null], ['scope', []], ['scope', {}], ['scope', 'teams'],
  ['team', 123], ['team', {}], ['team', ''], ['team', ['omega']], ['team', null],
  ['region', 1], ['region', null], ['region', ['eu-west-1']], ['region', { code: 'eu-west-1' }], ['region', 'EU-WEST-1'], ['region', 'mars-1'],
  ['bucketName', 42], ['bucketName', 'Bad_Name'], ['bucketName', 'ab'], ['bucketName', 'xn--bucket'], ['bucketName', 'a.b.c'],
  ['encryption', 'sse-kms'], ['encryption', { type: 'aes' }], ['encryption', { type: 'sse-s3', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0' }], ['encryption', { type: 'sse-kms', kmsKeyArn: 'alias/aws/s3' }],
  ['cors', []], ['cors', { allowedOrigins: 'https://a.example.com' }], ['cors', { allowedOrigins: [] }], ['cors', { allowedOrigins: ['http://insecure.example.com'] }], ['cors', { allowedOrigins: ['https://a.example.com/path'] }],
  ['launch', 'direct'], ['launch', null], ['launch', { mode: 1 }], ['launch', { mode: 'direct', roleArn: 'arn:aws:iam::1:role/x' }], ['launch', { mode: 'quick-create', roleArn: 'arn:aws:iam::123456789012:role/x' }],
  ['accessRole', { enabled: 'yes' }], ['accessRole', true],
  ['tags', []], ['tags', { a: 1 }], ['tags', 'cost-center=ml'], ['tags', { 'aws:createdBy': 'me' }], ['tags', { 'byob:request': 'byob_x' }],
  ['callbackUrl', 1], ['callbackUrl', 'ftp://portal.example.com/hook'], ['callbackUrl', 'not a url'], ['callbackUrl', 'https://169.254.169.254/latest/meta-data'],
  ['unknownField', true],
];

const huge: Array<[string, unknown]> = [
  ['team', 'a'.repeat(49)],
  ['team', 'a'.repeat(10_000)],
  ['bucketName', 'a'.repeat(64)],
  ['tags', { k: 'v'.repeat(257) }],
  ['tags', { ['k'.repeat(129)]: 'v' }],
  ['tags', Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`t${i}`, 'v']))],
  ['callbackUrl', `https://portal.example.com/${'x'.repeat(3000)}`],
  ['cors', { allowedOrigins: Array.from({ length: 21 }, (_, i) => `https://o${i}.example.com`) }],
];

const lookAlikes: Array<[string, unknown]> = [
  ['region', `eu-w${CYRILLIC_E}st-1`],
  ['region', `${CYRILLIC_E}u-west-1`],
  ['region', '\uff45\uff55-west-1'],
  ['region', 'eu-west-1\u200b'],
  ['region', 'eu\u2010west\u20101'],
  ['scope', `t${CYRILLIC_E}am`],
  ['team', `om${CYRILLIC_E}g${CYRILLIC_A}`],
  ['bucketName', `${CYRILLIC_A}cme-artifacts`],
  ['bucketName', 'acme\u2011artifacts'],
  ['launch', { mode: 'd\u0456rect' }],
  ['encryption', { type: `sse-km\u0455` }],
  ['cors', { allowedOrigins: [`https://${CYRILLIC_A}pp.example.com`] }],
  ['team', 'omega\u202e'],
];

const nullBytes: Array<[string, unknown]> = [
  ['team', 'ome\u0000ga'],
  ['bucketName', 'acme-artifacts\u0000'],
  ['region', 'eu-west-1\u0000'],
  ['tags', { k: 'v\u0000' }],
  ['tags', { 'k\u0000': 'v' }],
  ['callbackUrl', 'https://portal.example.com/\u0000hook'],
  ['cors', { allowedOrigins: ['https://app.example.com\u0000.evil.com'] }],
];

const intrinsics: Array<[string, unknown]> = [
  ['team', { Ref: 'AWS::AccountId' }],
  ['team', '{"Ref":"AWS::AccountId"}'],
  ['team', '${AWS::AccountId}'],
  ['bucketName', '${AWS::AccountId}-bucket'],
  ['bucketName', { 'Fn::Sub': '${AWS::AccountId}' }],
  ['region', { Ref: 'AWS::Region' }],
  ['tags', { owner: '${AWS::AccountId}' }],
  ['tags', { owner: { 'Fn::GetAtt': ['ByobBucket', 'Arn'] } }],
  ['tags', { 'Fn::Sub': { x: 1 } }],
  ['encryption', { type: 'sse-kms', kmsKeyArn: { 'Fn::ImportValue': 'key' } }],
  ['encryption', { type: 'sse-kms', kmsKeyArn: 'arn:aws:kms:eu-west-1:${AWS::AccountId}:key/1' }],
  ['launch', { mode: 'direct', roleArn: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/x' } }],
  ['cors', { allowedOrigins: ['https://${AWS::StackName}.example.com'] }],
  ['cors', { allowedOrigins: ['https://a.example.com'], allowedHeaders: ['{"Ref":"AWS::NoValue"}'] }],
];

const rawBodies: Array<[string, string]> = [
  ['__proto__ key', `{"__proto__":{"isAdmin":true},${JSON.stringify(valid).slice(1)}`],
  ['constructor key', `{"constructor":{"prototype":{"polluted":true}},${JSON.stringify(valid).slice(1)}`],
  ['__proto__ in cors', JSON.stringify({ ...valid, cors: {} }).replace('"cors":{}', '"cors":{"__proto__":{"allowedOrigins":["*"]}}')],
  ['prototype key', `{"prototype":{},${JSON.stringify(valid).slice(1)}}`.replace(/}}$/, '}')],
  ['deeply nested arrays', `{"team":${nested(4000)}}`],
  ['deeply nested objects', JSON.stringify({ ...valid, tags: deepObject(500) })],
  ['top-level null', 'null'],
  ['top-level array', JSON.stringify([valid])],
  ['top-level string', '"scope=team"'],
  ['top-level number', '1'],
  ['top-level false', 'false'],
  ['truncated JSON', JSON.stringify(valid).slice(0, -3)],
  ['trailing garbage', `${JSON.stringify(valid)}xyz`],
  ['duplicate keys, last one bad', `${JSON.stringify(valid).slice(0, -1)},"region":"mars-1"}`],
  ['JSON with comments', `/* hi */${JSON.stringify(valid)}`],
  ['NaN literal', JSON.stringify(valid).replace('"omega"', 'NaN').replace('"hostile"', 'NaN')],
  ['lone surrogate', JSON.stringify({ ...valid, team: 'x' }).replace('"x"', '"\\ud800"')],
  ['BOM then JSON', `\ufeff${JSON.stringify({ ...valid, team: 'A' })}`],
  ['empty object', '{}'],
  ['empty body', ''],
  ['whitespace body', '   \n '],
];

const oversize = JSON.stringify({ ...valid, tags: { pad: 'x'.repeat(MAX_BODY_BYTES) } });

const otherKey = await generateKeyPair('ES256');
const forged = async (claims: Record<string, unknown>, opts: { expired?: boolean; issuer?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'x' })
    .setIssuer(opts.issuer ?? 'byob-local')
    .setAudience('byob-api')
    .setIssuedAt(opts.expired ? 1_000_000 : undefined)
    .setExpirationTime(opts.expired ? 1_000_100 : '1h')
    .sign(otherKey.privateKey);

const cases = async (): Promise<Case[]> => {
  const all: Case[] = [
    ...wrongTypes.map(([field, value]): Case => ({ name: `wrong type ${field}=${JSON.stringify(value)}`, req: body({ [field]: value }), status: 400 })),
    ...huge.map(([field, value]): Case => ({ name: `huge ${field}`, req: body({ [field]: value }), status: 400 })),
    ...lookAlikes.map(([field, value]): Case => ({ name: `look-alike ${field}=${JSON.stringify(value)}`, req: body({ [field]: value }), status: 400 })),
    ...nullBytes.map(([field, value]): Case => ({ name: `null byte ${field}`, req: body({ [field]: value }), status: 400 })),
    ...intrinsics.map(([field, value]): Case => ({ name: `intrinsic ${field}=${JSON.stringify(value)}`, req: body({ [field]: value }), status: 400 })),
    ...rawBodies.map(([name, raw]): Case => ({ name, req: rawBody(raw), status: 400 })),
    { name: 'scope instance with a team', req: body({ scope: 'instance' }), status: 400 },
    { name: 'scope team without a team', req: json({ ...valid, team: undefined }), status: 400 },
    { name: 'customer key in another region', req: body({ encryption: { type: 'sse-kms', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }), status: 400 },
    { name: 'oversize body', req: rawBody(oversize), status: 413 },
    { name: 'oversize body, not JSON either', req: { raw: 'x'.repeat(MAX_BODY_BYTES + 1), headers: { 'content-type': 'text/plain' } }, status: 413 },
    { name: 'oversize base64 body', req: { raw: Buffer.from(oversize).toString('base64'), base64: true, headers: { 'content-type': 'application/json' } }, status: 413 },
    { name: 'text/plain', req: { raw: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } }, status: 415 },
    { name: 'form-urlencoded', req: { raw: 'scope=team&team=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, status: 415 },
    { name: 'multipart', req: { raw: '--b\r\n\r\n{}\r\n--b--', headers: { 'content-type': 'multipart/form-data; boundary=b' } }, status: 415 },
    { name: 'no content type', req: { raw: JSON.stringify(valid) }, status: 415 },
    { name: 'application/jsonx', req: { raw: JSON.stringify(valid), headers: { 'content-type': 'application/jsonx' } }, status: 415 },
    { name: 'text/json', req: { raw: JSON.stringify(valid), headers: { 'content-type': 'text/json' } }, status: 415 },
    { name: 'xml', req: { raw: '<byob/>', headers: { 'content-type': 'application/xml' } }, status: 415 },
    { name: 'json content type with a look-alike', req: { raw: JSON.stringify(valid), headers: { 'content-type': `application/js${'\u043e'}n` } }, status: 415 },
    ...['', ' ', 'a b', 'k'.repeat(256), '\u043a\u043b\u044e\u0447', 'key\u0000', 'tab\there', 'new\nline'].map(
      (key): Case => ({ name: `Idempotency-Key ${JSON.stringify(key.slice(0, 12))}`, req: body({ headers: undefined }), status: 400, ...{ key } }),
    ).map((c) => ({ ...c, req: { ...c.req, headers: { ...c.req.headers, 'idempotency-key': (c as Case & { key: string }).key } } })),
    { name: 'no Authorization', req: { ...body({}), token: undefined }, status: 401 },
    { name: 'Basic auth', req: { ...body({}), headers: { 'content-type': 'application/json', authorization: 'Basic YWRtaW46YWRtaW4=' } }, status: 401 },
    { name: 'Bearer garbage', req: { ...body({}), headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' } }, status: 401 },
    { name: 'alg none', req: { ...body({}), headers: { 'content-type': 'application/json', authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ tenant })).toString('base64url')}.` } }, status: 401 },
    { name: 'token signed by another key', req: { ...body({}), headers: { 'content-type': 'application/json', authorization: `Bearer ${await forged({ tenant })}` } }, status: 401 },
    { name: 'expired token', req: { ...body({}), headers: { 'content-type': 'application/json', authorization: `Bearer ${await mintToken(tenant, -1)}` } }, status: 401 },
    { name: 'tenant claim with a path', req: { ...body({}), headers: { 'content-type': 'application/json', authorization: `Bearer ${await mintToken('a/../b' as string).catch(() => 'x.y.z')}` } }, status: 401 },
    { name: 'GET /byob limit=0', route: 'GET /byob', req: { query: { limit: '0' } }, status: 400 },
    { name: 'GET /byob limit=101', route: 'GET /byob', req: { query: { limit: '101' } }, status: 400 },
    { name: 'GET /byob limit=abc', route: 'GET /byob', req: { query: { limit: 'abc' } }, status: 400 },
    { name: 'GET /byob limit=1e309', route: 'GET /byob', req: { query: { limit: '1e309' } }, status: 400 },
    { name: 'GET /byob status=ready', route: 'GET /byob', req: { query: { status: 'ready' } }, status: 400 },
    { name: 'GET /byob unknown param', route: 'GET /byob', req: { query: { tenant: 'other' } }, status: 400 },
    { name: 'GET /byob forged cursor', route: 'GET /byob', req: { query: { cursor: Buffer.from('{"pk":"T#other","sk":"R#x"}').toString('base64url') } }, status: 400 },
    { name: 'GET /byob cursor garbage', route: 'GET /byob', req: { query: { cursor: '\u0000\u0000' } }, status: 400 },
    { name: 'GET /byob/{id} traversal', route: 'GET /byob/{id}', req: { params: { id: '../settings' } }, status: 404 },
    { name: 'GET /byob/{id} look-alike id', route: 'GET /byob/{id}', req: { params: { id: `byob_01J${'\u0410'.repeat(23)}` } }, status: 404 },
    { name: 'DELETE /byob/{id} null byte id', route: 'DELETE /byob/{id}', req: { params: { id: 'byob_\u0000' } }, status: 404 },
    { name: 'POST /byob/verify empty', route: 'POST /byob/verify', req: rawBody('{}'), status: 400 },
    { name: 'POST /byob/verify look-alike region', route: 'POST /byob/verify', req: json({ region: `eu-w${CYRILLIC_E}st-1`, bucketName: 'acme-artifacts', encryption: { type: 'sse-s3' } }), status: 400 },
    { name: 'POST /byob/verify connection string with a null byte', route: 'POST /byob/verify', req: json({ connectionString: 's3://a:b@example.com/bucket\u0000' }), status: 400 },
    { name: 'POST /byob/verify __proto__', route: 'POST /byob/verify', req: rawBody('{"__proto__":{"region":"eu-west-1"}}'), status: 400 },
    { name: 'POST /byob/verify text/plain', route: 'POST /byob/verify', req: { raw: '{}', headers: { 'content-type': 'text/plain' } }, status: 415 },
    { name: 'POST /byob/verify oversize', route: 'POST /byob/verify', req: rawBody(JSON.stringify({ connectionString: 'x'.repeat(MAX_BODY_BYTES) })), status: 413 },
  ];
  return all.map((c) => ({ ...c, req: { token: c.req.headers?.authorization || c.name === 'no Authorization' ? undefined : token, ...c.req } }));
};

describe('bad-input corpus', () => {
  it('every case answers its 4xx as problem+json with the security headers, and creates nothing', async () => {
    const corpus = await cases();
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    const wrong: string[] = [];
    for (const c of corpus) {
      const route = c.route ?? 'POST /byob';
      const [method, path] = route.split(' ') as [string, string];
      const r = await send(await world.handler(route, deps), { method, route: path, ...c.req });
      const ok =
        r.status === c.status &&
        r.headers['content-type'] === 'application/problem+json' &&
        r.body?.status === c.status &&
        typeof r.body?.type === 'string' &&
        r.headers['x-content-type-options'] === 'nosniff' &&
        r.headers['strict-transport-security'] !== undefined;
      if (!ok) wrong.push(`${c.name}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);

    expect(await world.stacksOf(tenant)).toEqual([]);
    expect((await world.itemsOf(tenant)).filter((i) => !i.sk?.S?.startsWith('LIMIT#'))).toEqual([]);
    expect(await world.idempotencyItems()).toEqual([]);
    expect(await world.templateObjects()).toEqual([]);
    // No prototype was polluted along the way.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the valid body the corpus mutates is accepted (so each refusal is about its one change)', async () => {
    const ok = await send(await world.handler('POST /byob', deps), { method: 'POST', route: '/byob', token, json: valid });
    expect(ok.status).toBe(202);
  });
});
