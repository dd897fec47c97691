/** Public API of the template renderer. */
export * from './cfn.js';
export * from './dynamic-references.js';
export * from './grants.js';
export * from './render-byob.js';
export type * from './resource-types.js';
export * from './spec.js';
