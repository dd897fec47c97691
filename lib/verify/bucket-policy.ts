import { VENDOR_BUCKET_ACTIONS } from '../../templates/grants.js';

/**
 * Evaluation of a bucket policy for the vendor principal, as IAM would: parsed, with wildcards in
 * actions and resources, account and root principal forms, and Deny statements. It answers what the
 * vendor may do on the bucket and its objects; the `bucket-policy` check (lib/verify/bucket-checks.ts)
 * turns that into a check outcome.
 */
const OBJECT_ACTIONS: ReadonlySet<string> = new Set(['s3:GetObject*', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject']);

/** The 11 actions the vendor principal needs (seeds 000 and 003), with the resource each applies to. */
export const VENDOR_ACTIONS: ReadonlyArray<{ action: string; on: 'bucket' | 'objects' }> = VENDOR_BUCKET_ACTIONS.map((action) => ({
  action,
  // Object actions apply to bucket/*; everything else to the bucket itself.
  on: OBJECT_ACTIONS.has(action) ? 'objects' : 'bucket',
}));

/** The partition of an ARN (aws, aws-cn, aws-us-gov). */
export const partitionOf = (arn: string): string => /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws';

/**
 * Glob states after reading `text` against `pattern` ("*" any run, "?" one character): the indices
 * into `pattern` still alive. Empty means no string starting with `text` can match.
 */
const globStates = (pattern: string, text: string): Set<number> => {
  const close = (states: Set<number>) => {
    for (const i of [...states]) {
      let j = i;
      while (pattern[j] === '*') states.add(++j);
    }
    return states;
  };
  let states = close(new Set([0]));
  for (const ch of text) {
    const next = new Set<number>();
    for (const i of states) {
      if (i >= pattern.length) continue;
      const p = pattern[i];
      if (p === '*') next.add(i);
      else if (p === '?' || p === ch) next.add(i + 1);
    }
    states = close(next);
    if (states.size === 0) break;
  }
  return states;
};

/** Whether an IAM-style glob (`*`, `?`) matches the whole text. */
export const globMatch = (pattern: string, text: string) => globStates(pattern, text).has(pattern.length);

/** `required` is a literal or `prefix*` (all strings with that prefix); does `pattern` match every one of them? */
const globCovers = (pattern: string, required: string): boolean => {
  if (!required.endsWith('*')) return globMatch(pattern, required);
  const states = globStates(pattern, required.slice(0, -1));
  return [...states].some((i) => i < pattern.length && /^\*+$/.test(pattern.slice(i)));
};

/** Does `pattern` match at least one string that `required` stands for? */
const globIntersects = (pattern: string, required: string): boolean =>
  required.endsWith('*') ? globStates(pattern, required.slice(0, -1)).size > 0 : globMatch(pattern, required);

/** One statement of a bucket policy, as parsed (every member unchecked). */
export interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

const strings = (value: unknown): string[] => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string'));

const accountOf = (principal: string): string | undefined => (/^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1]);

/**
 * Whether a principal element names the vendor. An account-wide grant (account id or `:root`) covers any
 * vendor principal in that account; for a Deny, any principal in the vendor's account (and "*") counts.
 * So when VENDOR_PRINCIPAL is a role, a stack still on a template that granted the account root passes
 * (it was right for its version, and the root grant covers the role); a grant to another principal of
 * the account, e.g. a role when the configured principal is the root, does not cover it and fails.
 */
const namesVendor = (principal: unknown, vendor: string, forDeny: boolean): boolean => {
  if (principal === '*') return forDeny;
  if (typeof principal !== 'object' || principal === null) return false;
  const vendorAccount = accountOf(vendor);
  return strings((principal as { AWS?: unknown }).AWS).some((p) => {
    if (p === '*') return forDeny;
    if (p === vendor) return true;
    const account = accountOf(p);
    if (!account || account !== vendorAccount) return false;
    return forDeny || /^\d{12}$/.test(p) || p.endsWith(':root');
  });
};

const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());

const actionCovers = (s: Statement, action: string) => {
  const a = action.toLowerCase();
  if (s.Action !== undefined) return lower(strings(s.Action)).some((p) => globCovers(p, a));
  if (s.NotAction !== undefined) return !lower(strings(s.NotAction)).some((p) => globIntersects(p, a));
  return false;
};
const actionIntersects = (s: Statement, action: string) => {
  const a = action.toLowerCase();
  if (s.Action !== undefined) return lower(strings(s.Action)).some((p) => globIntersects(p, a));
  if (s.NotAction !== undefined) return !lower(strings(s.NotAction)).some((p) => globCovers(p, a));
  return false;
};
const resourceCovers = (s: Statement, resource: string) => {
  if (s.Resource !== undefined) return strings(s.Resource).some((p) => globCovers(p, resource));
  if (s.NotResource !== undefined) return !strings(s.NotResource).some((p) => globIntersects(p, resource));
  return false;
};
const resourceIntersects = (s: Statement, resource: string) => {
  if (s.Resource !== undefined) return strings(s.Resource).some((p) => globIntersects(p, resource));
  if (s.NotResource !== undefined) return !strings(s.NotResource).some((p) => globCovers(p, resource));
  return false;
};

const hasCondition = (s: Statement) => typeof s.Condition === 'object' && s.Condition !== null && Object.keys(s.Condition).length > 0;

/** Conditions that never stop the vendor, who always uses TLS 1.2+: the usual "deny insecure transport" statements. */
const isTransportOnlyCondition = (condition: unknown): boolean => {
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.entries(condition).every(([operator, block]) => {
    if (typeof block !== 'object' || block === null) return false;
    return Object.entries(block as Record<string, unknown>).every(([key, value]) => {
      const k = key.toLowerCase();
      const op = operator.toLowerCase();
      if (k === 'aws:securetransport' && (op === 'bool' || op === 'boolifexists')) return strings(Array.isArray(value) ? value.map(String) : String(value)).every((v) => v.toLowerCase() === 'false');
      if (k === 's3:tlsversion' && op.startsWith('numericlessthan')) return strings(Array.isArray(value) ? value.map(String) : String(value)).every((v) => Number(v) <= 1.2);
      return false;
    });
  });
};

/** What a bucket policy gives and takes from the vendor; each entry reads "s3:PutObject on arn:…/*". */
export interface VendorAccess {
  /** Not allowed by any Allow statement. */
  missing: string[];
  /** Allowed only by statements with a Condition. */
  conditional: string[];
  /** Denied by a Deny statement without a Condition (or with one that is not transport-only); Sid noted. */
  denied: string[];
  /** Denied under a Condition that may apply to the vendor. */
  conditionallyDenied: string[];
}

/** The statements of a parsed policy (a single statement object counts as a list of one). */
export const statementsOf = (policy: unknown): Statement[] => {
  const raw = (policy as { Statement?: unknown } | null)?.Statement;
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((s): s is Statement => typeof s === 'object' && s !== null);
};

const denyStatementsNaming = (statements: Statement[], vendorPrincipalArn: string) =>
  statements.filter(
    (s) => s.Effect === 'Deny' && (s.NotPrincipal !== undefined ? !namesVendor(s.NotPrincipal, vendorPrincipalArn, false) : namesVendor(s.Principal, vendorPrincipalArn, true)),
  );

const vendorResources = (bucketName: string, vendorPrincipalArn: string) => {
  const arn = `arn:${partitionOf(vendorPrincipalArn)}:s3:::${bucketName}`;
  return VENDOR_ACTIONS.map(({ action, on }) => ({ action, resource: on === 'bucket' ? arn : `${arn}/*` }));
};

/** A Deny that takes one of the 11 actions away from the vendor; a transport-only condition never does. */
const denies = (s: Statement, action: string, resource: string) =>
  actionIntersects(s, action) && resourceIntersects(s, resource) && !(hasCondition(s) && isTransportOnlyCondition(s.Condition));

/** The policy's Deny statements that take any of the 11 actions from the vendor (with or without a Condition). */
export const denyingStatements = (policy: unknown, bucketName: string, vendorPrincipalArn: string): Statement[] => {
  const needed = vendorResources(bucketName, vendorPrincipalArn);
  return denyStatementsNaming(statementsOf(policy), vendorPrincipalArn).filter((s) => needed.some(({ action, resource }) => denies(s, action, resource)));
};

/** Evaluates a parsed bucket policy for the vendor principal and the 11 actions (see {@link VENDOR_ACTIONS}). */
export const evaluateVendorAccess = (policy: unknown, bucketName: string, vendorPrincipalArn: string): VendorAccess => {
  const statements = statementsOf(policy);
  const result: VendorAccess = { missing: [], conditional: [], denied: [], conditionallyDenied: [] };
  const allows = statements.filter((s) => s.Effect === 'Allow' && s.NotPrincipal === undefined && namesVendor(s.Principal, vendorPrincipalArn, false));
  const denyStatements = denyStatementsNaming(statements, vendorPrincipalArn);
  for (const { action, resource } of vendorResources(bucketName, vendorPrincipalArn)) {
    const label = `${action} on ${resource}`;
    const granting = allows.filter((s) => actionCovers(s, action) && resourceCovers(s, resource));
    if (granting.length === 0) result.missing.push(label);
    else if (granting.every(hasCondition)) result.conditional.push(label);
    for (const s of denyStatements) {
      if (!denies(s, action, resource)) continue;
      const sid = typeof s.Sid === 'string' && s.Sid ? ` (statement ${s.Sid})` : '';
      (hasCondition(s) ? result.conditionallyDenied : result.denied).push(`${label}${sid}`);
    }
  }
  return result;
};
