import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret, connectionStringProblems, parseConnectionString, redactConnectionString } from '../../../lib/verify/connection-string.js';
import { ValidationError } from '../../../lib/errors.js';

const SECRET = 'wJalr/XUtn+FEMI=K7MD@ENG:bPxR?fiCY#EXAMPLEKEY';
const ENCODED = encodeURIComponent(SECRET);

const problemsOf = (input: string) => {
  try {
    parseConnectionString(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors;
  }
  throw new Error('expected a ValidationError');
};

describe('parseConnectionString', () => {
  it('parses every part of a full string', () => {
    // Act
    const parsed = parseConnectionString('s3://AKIAEXAMPLE:abc123@minio.example.com:9000/my-bucket?region=us-east-1&tls=true');

    // Assess
    expect(parsed).toMatchObject({
      accessKeyId: 'AKIAEXAMPLE',
      endpoint: 'https://minio.example.com:9000',
      host: 'minio.example.com',
      port: 9000,
      bucket: 'my-bucket',
      region: 'us-east-1',
      tls: true,
    });
    expect(parsed.secretAccessKey).toBeInstanceOf(Secret);
    expect(parsed.secretAccessKey.reveal()).toBe('abc123');
  });

  it('defaults to TLS on port 443 and leaves the default port out of the endpoint', () => {
    const parsed = parseConnectionString('s3://key:secret@s3.eu-west-1.amazonaws.com/bucket-one?region=eu-west-1');

    expect(parsed).toMatchObject({ endpoint: 'https://s3.eu-west-1.amazonaws.com', port: 443, tls: true });
  });

  it('uses http and port 80 with tls=false', () => {
    const parsed = parseConnectionString('s3://key:secret@storage.internal.example:80/bucket-one?tls=false&region=home');

    expect(parsed).toMatchObject({ endpoint: 'http://storage.internal.example', port: 80, tls: false, region: 'home' });
  });

  it('keeps a non-default port with tls=false', () => {
    expect(parseConnectionString('s3://k:s@10.1.2.3:9000/bucket-one?region=us-east-1&tls=false').endpoint).toBe('http://10.1.2.3:9000');
  });

  it('accepts an IPv6 host with and without a port', () => {
    const withPort = parseConnectionString('s3://k:s@[2001:db8::1]:9000/bucket-one?region=us-east-1');
    const without = parseConnectionString('s3://k:s@[::1]/bucket-one?region=us-east-1&tls=false');

    expect(withPort).toMatchObject({ host: '2001:db8::1', port: 9000, endpoint: 'https://[2001:db8::1]:9000' });
    expect(without).toMatchObject({ host: '::1', port: 80, endpoint: 'http://[::1]' });
  });

  it('lower-cases the host and tolerates a trailing slash after the bucket', () => {
    expect(parseConnectionString('s3://k:s@MinIO.Example.COM/bucket-one/?region=r1')).toMatchObject({ host: 'minio.example.com', bucket: 'bucket-one' });
  });

  it('percent-decodes a secret holding / + = @ : ? #', () => {
    const parsed = parseConnectionString(`s3://AK%2BID:${ENCODED}@minio.example.com/bucket-one?region=us-east-1`);

    expect(parsed.accessKeyId).toBe('AK+ID');
    expect(parsed.secretAccessKey.reveal()).toBe(SECRET);
  });

  it('keeps a literal "+" as "+" (URI, not form encoding) and tolerates unencoded reserved characters in the secret', () => {
    const parsed = parseConnectionString('s3://key:ab+cd/ef=:g@h@minio.example.com/bucket-one?region=us-east-1');

    expect(parsed.secretAccessKey.reveal()).toBe('ab+cd/ef=:g@h');
    expect(parsed.host).toBe('minio.example.com');
  });

  it.each([
    ['http://k:s@host/bucket-one?region=r', 'connectionString.scheme'],
    ['s3://host/bucket-one?region=r', 'connectionString.accessKeyId'],
    ['s3://:s@host/bucket-one?region=r', 'connectionString.accessKeyId'],
    ['s3://k@host/bucket-one?region=r', 'connectionString.secretAccessKey'],
    ['s3://k:@host/bucket-one?region=r', 'connectionString.secretAccessKey'],
    ['s3://k:bad%zzsecret@host/bucket-one?region=r', 'connectionString.secretAccessKey'],
    ['s3://k:s@/bucket-one?region=r', 'connectionString.host'],
    ['s3://k:s@bad_host!/bucket-one?region=r', 'connectionString.host'],
    ['s3://k:s@[not-ipv6]:9000/bucket-one?region=r', 'connectionString.host'],
    ['s3://k:s@host:0/bucket-one?region=r', 'connectionString.port'],
    ['s3://k:s@host:70000/bucket-one?region=r', 'connectionString.port'],
    ['s3://k:s@host:abc/bucket-one?region=r', 'connectionString.port'],
    ['s3://k:s@host?region=r', 'connectionString.bucket'],
    ['s3://k:s@host/Bad_Bucket?region=r', 'connectionString.bucket'],
    ['s3://k:s@host/bucket-one/prefix?region=r', 'connectionString.bucket'],
    ['s3://k:s@host/bucket-one', 'connectionString.region'],
    ['s3://k:s@host/bucket-one?region=', 'connectionString.region'],
    ['s3://k:s@host/bucket-one?region=a&region=b', 'connectionString.region'],
    ['s3://k:s@host/bucket-one?region=r&tls=yes', 'connectionString.tls'],
    ['s3://k:s@host/bucket-one?region=r&endpoint=x', 'connectionString'],
  ])('rejects %s naming %s', (input, path) => {
    expect(problemsOf(input).map((p) => p.path)).toContain(path);
  });

  it('collects every problem, not only the first', () => {
    const paths = problemsOf('s3://k:s@host:99999/Bad_Bucket?tls=maybe').map((p) => p.path);

    expect(paths).toEqual(expect.arrayContaining(['connectionString.port', 'connectionString.bucket', 'connectionString.region', 'connectionString.tls']));
  });

  it('names fields under a caller-chosen path', () => {
    expect(connectionStringProblems('s3://k:s@host/bucket-one', 'body.target').map((p) => p.path)).toEqual(['body.target.region']);
  });
});

describe('the secret never leaks', () => {
  const bad = [
    `s3://AKIA:${ENCODED}@host:99999/Bad_Bucket?tls=maybe`,
    `http://AKIA:${ENCODED}@host/bucket-one?region=r`,
    `s3://AKIA:${SECRET}%zz@host/bucket-one?region=r`,
    `s3://AKIA:${SECRET}`,
    `s3://AKIA:${ENCODED}@[${SECRET}]/bucket-one?region=r`,
    `s3://AKIA:${ENCODED}@host/${SECRET}?region=${SECRET}&tls=${SECRET}&${SECRET}=1`,
  ];

  it.each(bad)('is not in the error for %#', (input) => {
    let caught: unknown;
    try {
      parseConnectionString(input);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ValidationError);
    const everything = [String(caught), (caught as Error).message, (caught as Error).stack, JSON.stringify(caught), JSON.stringify((caught as ValidationError).errors), inspect(caught, { depth: 10 })].join('\n');
    for (const fragment of [SECRET, ENCODED, 'wJalr', 'EXAMPLEKEY']) expect(everything).not.toContain(fragment);
  });

  it('is not in JSON, String, template literals or util.inspect of the parsed value', () => {
    const parsed = parseConnectionString(`s3://AKIA:${ENCODED}@minio.example.com/bucket-one?region=us-east-1`);

    const renderings = [JSON.stringify(parsed), String(parsed.secretAccessKey), `${parsed.secretAccessKey}`, inspect(parsed, { depth: 10, showHidden: true }), JSON.stringify({ ...parsed })];

    for (const text of renderings) {
      expect(text).not.toContain('wJalr');
      expect(text).not.toContain(ENCODED);
    }
    expect(JSON.stringify(parsed)).toContain('"secretAccessKey":"[redacted]"');
    expect(inspect(parsed.secretAccessKey)).toBe('[redacted]');
  });

  it('redactConnectionString hides the secret and keeps the rest', () => {
    expect(redactConnectionString(`s3://AKIA:${ENCODED}@minio.example.com:9000/bucket-one?region=us-east-1`)).toBe(
      's3://AKIA:[redacted]@minio.example.com:9000/bucket-one?region=us-east-1',
    );
    expect(redactConnectionString(`s3://AKIA:${SECRET}@host/b?region=r`)).toBe('s3://AKIA:[redacted]@host/b?region=r');
    expect(redactConnectionString('s3://onlyasecret@host/b')).toBe('s3://[redacted]@host/b');
    expect(redactConnectionString('s3://host/b?region=r')).toBe('s3://host/b?region=r');
  });
});
