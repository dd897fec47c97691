/** Small readers of a rendered template, so assertions name what they check. */
import type { CfnString, CfnTemplate, PolicyDocument, PolicyStatement, Resource } from '../../../templates/cfn.js';
import { referencedLogicalIds } from '../../../templates/cfn.js';

/** The resource `id`, typed with the properties the caller expects; throws when absent. */
export const resourceOf = <P extends object>(template: CfnTemplate, id: string): Resource<P> => {
  const resource = template.Resources[id];
  if (resource === undefined) throw new Error(`template has no resource ${id}`);
  return resource as Resource<P>;
};

/** The statement with `sid`; throws when absent. */
export const statementBySid = (document: PolicyDocument, sid: string): PolicyStatement => {
  const statement = document.Statement.find((s) => s.Sid === sid);
  if (statement === undefined) throw new Error(`policy has no statement ${sid}`);
  return statement;
};

/** A statement's actions as a list. */
export const actionsOf = (statement: PolicyStatement): string[] =>
  typeof statement.Action === 'string' ? [statement.Action] : [...statement.Action];

/** A statement's resources as a list. */
export const resourcesOf = (statement: PolicyStatement): CfnString[] =>
  statement.Resource === undefined ? [] : Array.isArray(statement.Resource) ? [...(statement.Resource as CfnString[])] : [statement.Resource as CfnString];

/** Every action allowed by any Allow statement of `document`. */
export const allowedActions = (document: PolicyDocument): string[] =>
  document.Statement.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);

/** Every resource `id` waits for: DependsOn plus resources it reads with Ref/GetAtt (parameters excluded). */
export const dependenciesOf = (template: CfnTemplate, id: string): Set<string> => {
  const resource = resourceOf(template, id);
  const referenced = [...referencedLogicalIds(resource.Properties)].filter((ref) => ref in template.Resources);
  return new Set([...(resource.DependsOn ?? []), ...referenced]);
};

/** JSON value, for walking a parsed template. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Visits every node of the tree with its path and the object key it sits under (null at the root and in arrays). */
export const walk = (node: Json, visit: (path: string, key: string | null, value: Json) => void, path = '$', key: string | null = null): void => {
  visit(path, key, node);
  if (Array.isArray(node)) node.forEach((child, i) => walk(child, visit, `${path}[${i}]`, null));
  else if (node !== null && typeof node === 'object') {
    for (const [childKey, child] of Object.entries(node)) walk(child, visit, `${path}.${childKey}`, childKey);
  }
};
