import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM script without types
import { startEmulator } from '../../scripts/emulator.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoint: string;
  }
}

/** One emulator for the integration run; each test file uses its own names (or account) inside it. */
export default async function setup(project: TestProject) {
  const emulator = (await startEmulator()) as { endpoint: string; stop: () => Promise<void> };
  project.provide('emulatorEndpoint', emulator.endpoint);
  return async () => {
    await emulator.stop();
  };
}
