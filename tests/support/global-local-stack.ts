import type { TestProject } from 'vitest/node';
import { startApi } from './local-api.js';

/** Where the shared local stack answers; tokens are minted in each file from the key it wrote to .local/. */
interface LocalStackAddress {
  baseUrl: string;
  emulatorEndpoint: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: LocalStackAddress;
  }
}

/**
 * One local stack (emulator, SNS bridge, serverless-offline) for the whole e2e run: booting it takes
 * 15–30 s here, once per file before. Each file keeps to its own tenants, so files share it safely.
 */
export default async function setup(project: TestProject) {
  const stack = await startApi();
  project.provide('localStack', { baseUrl: stack.baseUrl, emulatorEndpoint: stack.emulatorEndpoint });
  return async () => {
    await stack.stop();
  };
}
