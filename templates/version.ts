/**
 * The version of the rendered template's shape: the latest one, what new stacks and updates are
 * rendered at (lib/config.ts TEMPLATE_VERSION may name another). A change to what the renderer puts
 * in a stack gets a new version, so every record on an older one shows `updateAvailable`.
 */
export const TEMPLATE_VERSION = '2026-11-30.1';
