import { isIPv4, isIPv6 } from 'node:net';
import { inspect } from 'node:util';
import { ValidationError, type FieldProblem } from '../errors.js';
import { bucketNameProblem } from '../identifiers.js';

const REDACTED = '[redacted]';

/**
 * A secret value that never prints: `String()`, template literals, `JSON.stringify`, `util.inspect`
 * and `console.log` all show "[redacted]". Call `reveal()` only where the value is handed to an SDK.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** A parsed `s3://<accessKey>:<secretAccessKey>@<host[:port]>/<bucket>?region=<region>[&tls=true|false]`. */
export interface S3ConnectionString {
  accessKeyId: string;
  secretAccessKey: Secret;
  /** `https://host[:port]` (or `http://` when `tls=false`); the port is left out when it is the scheme's default. */
  endpoint: string;
  /** Lower-cased DNS name, IPv4 address, or IPv6 address without brackets. */
  host: string;
  /** The explicit port, or 443 / 80 for TLS / plain. */
  port: number;
  bucket: string;
  region: string;
  tls: boolean;
}

const SCHEME = 's3://';
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const REGION = /^[A-Za-z0-9_-]{1,64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;

/** Percent-decodes one userinfo part; null when an escape is malformed or the bytes are not UTF-8. */
const percentDecode = (raw: string): string | null => {
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
};

const hostProblem = (host: string): string | null => {
  if (host.length === 0) return 'is required';
  if (isIPv4(host)) return null;
  if (host.length > 253) return 'must be at most 253 characters';
  const labels = host.replace(/\.$/, '').split('.');
  if (labels.some((l) => !DNS_LABEL.test(l))) return 'must be a DNS name, an IPv4 address, or an IPv6 address in brackets';
  return null;
};

interface Parts {
  value?: S3ConnectionString;
  problems: FieldProblem[];
}

/**
 * Splits and validates without ever copying an input substring into a message: a mis-split string
 * could put part of the secret into any field, so every message only describes the problem.
 */
const parse = (input: string, path: string): Parts => {
  const problems: FieldProblem[] = [];
  const at = (field: string) => (field ? `${path}.${field}` : path);
  const problem = (field: string, message: string) => problems.push({ path: at(field), message });

  const text = input.trim();
  if (text.slice(0, SCHEME.length).toLowerCase() !== SCHEME) {
    problem('scheme', 'must start with "s3://"');
    return { problems };
  }
  const rest = text.slice(SCHEME.length);
  // Access keys never contain "@" and hosts, buckets and our query values cannot, so the last "@"
  // ends the userinfo even when a secret carries an unencoded "/", "?", "#", ":" or "@".
  const lastAt = rest.lastIndexOf('@');
  if (lastAt < 0) {
    problem('accessKeyId', 'credentials are required: s3://<accessKey>:<secretAccessKey>@<host>/<bucket>?region=<region>');
    return { problems };
  }
  const userinfo = rest.slice(0, lastAt);
  const location = rest.slice(lastAt + 1);

  const colon = userinfo.indexOf(':');
  const rawKey = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const rawSecret = colon < 0 ? '' : userinfo.slice(colon + 1);
  const accessKeyId = percentDecode(rawKey);
  const secret = percentDecode(rawSecret);
  if (accessKeyId === null) problem('accessKeyId', 'has a malformed percent-escape; write "%" as %25');
  else if (accessKeyId.length === 0) problem('accessKeyId', 'is required');
  else if (accessKeyId.length > 128 || CONTROL_OR_SPACE.test(accessKeyId)) problem('accessKeyId', 'must be 1 to 128 visible characters');
  if (colon < 0) problem('secretAccessKey', 'is required: separate it from the access key with ":"');
  else if (secret === null) problem('secretAccessKey', 'has a malformed percent-escape; percent-encode reserved characters (e.g. "/" as %2F, "+" as %2B, "%" as %25)');
  else if (secret.length === 0) problem('secretAccessKey', 'is required');
  else if (secret.length > 256 || CONTROL_OR_SPACE.test(secret)) problem('secretAccessKey', 'must be 1 to 256 visible characters');

  if (CONTROL_OR_SPACE.test(location)) problem('', 'must not contain spaces or control characters');
  if (location.includes('#')) problem('', 'must not contain a fragment ("#") after the credentials');
  const queryStart = location.indexOf('?');
  const beforeQuery = queryStart < 0 ? location : location.slice(0, queryStart);
  const query = queryStart < 0 ? '' : location.slice(queryStart + 1).replace(/#.*$/, '');
  const slash = beforeQuery.indexOf('/');
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const bucketPath = slash < 0 ? '' : beforeQuery.slice(slash + 1).replace(/\/$/, '');

  let host = '';
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = close < 0 ? '' : authority.slice(1, close);
    const after = close < 0 ? '' : authority.slice(close + 1);
    if (close < 0 || !isIPv6(host)) problem('host', 'must be a valid IPv6 address inside brackets');
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after.length > 0) problem('host', 'must be followed by ":<port>", "/<bucket>" or nothing');
  } else {
    const portColon = authority.lastIndexOf(':');
    host = (portColon < 0 ? authority : authority.slice(0, portColon)).toLowerCase();
    if (portColon >= 0) portText = authority.slice(portColon + 1);
    const hostIssue = hostProblem(host);
    if (hostIssue) problem('host', hostIssue);
  }
  let explicitPort: number | undefined;
  if (portText !== undefined) {
    explicitPort = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(explicitPort >= 1 && explicitPort <= 65535)) problem('port', 'must be a number from 1 to 65535');
  }

  if (bucketPath.length === 0) problem('bucket', 'is required: s3://…@<host>/<bucket>');
  else if (bucketPath.includes('/')) problem('bucket', 'must be a single path segment (no object prefix)');
  else {
    const issue = bucketNameProblem(bucketPath, { aws: false });
    if (issue) problem('bucket', issue);
  }

  let region: string | undefined;
  let tls = true;
  const seen = new Set<string>();
  for (const pair of query.split('&').filter((p) => p.length > 0)) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (name !== 'region' && name !== 'tls') {
      problem('', 'only the query parameters "region" and "tls" are allowed');
      continue;
    }
    if (seen.has(name)) problem(name, 'must be given once');
    seen.add(name);
    if (name === 'region') {
      if (!REGION.test(value)) problem('region', 'must be a region name such as eu-west-1 (letters, digits, "-" and "_")');
      else region = value;
    } else if (value === 'true' || value === 'false') tls = value === 'true';
    else problem('tls', 'must be "true" or "false"');
  }
  if (!seen.has('region')) problem('region', 'is required: add "?region=<region>"');

  if (problems.length > 0 || accessKeyId === null || secret === null || region === undefined) return { problems };
  const port = explicitPort ?? (tls ? 443 : 80);
  const hostForUrl = isIPv6(host) ? `[${host}]` : host;
  const portForUrl = explicitPort === undefined || explicitPort === (tls ? 443 : 80) ? '' : `:${explicitPort}`;
  return {
    problems,
    value: {
      accessKeyId,
      secretAccessKey: new Secret(secret),
      endpoint: `${tls ? 'https' : 'http'}://${hostForUrl}${portForUrl}`,
      host,
      port,
      bucket: bucketPath,
      region,
      tls,
    },
  };
};

/** Every problem with `input` as a connection string, each naming its part (e.g. `connectionString.region`); empty when valid. */
export const connectionStringProblems = (input: string, path = 'connectionString'): FieldProblem[] => parse(input, path).problems;

/**
 * Parses an S3-compatible connection string (seed 003). The access key and secret are percent-decoded;
 * the secret comes back as a {@link Secret}. Throws {@link ValidationError} naming every bad part,
 * and no message ever contains any part of the input.
 */
export const parseConnectionString = (input: string, path = 'connectionString'): S3ConnectionString => {
  const { value, problems } = parse(input, path);
  if (!value) throw new ValidationError(problems, 'The connection string is not valid; see `errors` for each part.');
  return value;
};

/** `input` with the secret (everything between the first ":" and the last "@" of the userinfo) replaced by "[redacted]". */
export const redactConnectionString = (input: string): string => {
  const schemeEnd = input.indexOf('://');
  const start = schemeEnd < 0 ? 0 : schemeEnd + 3;
  const lastAt = input.lastIndexOf('@');
  if (lastAt < start) return input;
  const userinfo = input.slice(start, lastAt);
  const colon = userinfo.indexOf(':');
  const shown = colon < 0 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`;
  return `${input.slice(0, start)}${shown}${input.slice(lastAt)}`;
};
