/**
 * CloudFormation resolves `{{resolve:ssm:…}}`, `{{resolve:ssm-secure:…}}` and
 * `{{resolve:secretsmanager:…}}` inside ordinary string properties, and offers no escape for them.
 * A plain JSON string is therefore inert except for this one pattern, so the renderer refuses it.
 */

const DYNAMIC_REFERENCE = /\{\{\s*resolve\s*:/i;

/** Thrown when a spec string would be read by CloudFormation as a dynamic reference. */
export class DynamicReferenceError extends Error {
  override readonly name = 'DynamicReferenceError';
  /** Paths (dot-separated) of the offending spec values. */
  readonly paths: readonly string[];

  constructor(paths: readonly string[]) {
    super(`Template input must not contain CloudFormation dynamic references ({{resolve:…}}): ${paths.join(', ')}`);
    this.paths = paths;
  }
}

/** Paths of every string (object keys included) in `value` that contains a dynamic reference. */
export const findDynamicReferences = (value: unknown, path = '$'): string[] => {
  if (typeof value === 'string') return DYNAMIC_REFERENCE.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => findDynamicReferences(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(DYNAMIC_REFERENCE.test(key) ? [`${path}{key ${JSON.stringify(key)}}`] : []),
    ...findDynamicReferences(child, `${path}.${key}`),
  ]);
};

/** Throws {@link DynamicReferenceError} when any string in `value` is a dynamic reference. */
export const assertNoDynamicReferences = (value: unknown): void => {
  const paths = findDynamicReferences(value);
  if (paths.length > 0) throw new DynamicReferenceError(paths);
};
