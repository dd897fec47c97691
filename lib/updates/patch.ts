import type { VersionMatch } from '../provisioning/precondition.js';
import type { UpdateDeps } from './direct-update.js';
import { patchedFields } from './merge-patch.js';
import { type UpdateAnswer, updateByob } from './update.js';

/**
 * PATCH /byob/{id}: the request as the merge patch makes it (lib/updates/merge-patch.ts), through the
 * update every change takes (lib/updates/update.ts). Apart from the upgrade so that POST
 * /byob/{id}/upgrade never builds the request schemas a patch is checked with.
 */
export const patchByob = (deps: UpdateDeps, tenant: string, id: string, patch: Record<string, unknown>, ifMatch?: VersionMatch): Promise<UpdateAnswer> =>
  updateByob(deps, tenant, id, { kind: 'patch', wanted: (r) => patchedFields(r, patch, { allowLoopback: deps.config.localMode }) }, ifMatch);
