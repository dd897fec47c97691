// npm start: the API on 127.0.0.1:$PORT (default 3000) over the local AWS emulator.
import { startLocalStack } from './local-stack.js';
import { forgetRunningStack, recordRunningStack } from './running-stack.js';

const port = Number(process.env.PORT ?? 3000);
console.log('Starting the local AWS emulator and the API (first run installs the emulator into .venv)…');
const stack = await startLocalStack({ port, quiet: process.env.BYOB_VERBOSE !== '1', reconcileEveryMs: 15_000 });
recordRunningStack({ pid: process.pid, baseUrl: stack.baseUrl, emulatorEndpoint: stack.emulatorEndpoint });
const token = await stack.token('demo');
const body = JSON.stringify({
  scope: 'team',
  team: 'omega',
  region: 'eu-west-1',
  encryption: { type: 'sse-kms' },
  cors: { allowedOrigins: ['https://app.example.com'] },
  launch: { mode: 'direct' },
});

// A quick-create request to demonstrate the one-click path: its onboarding page, and the launch that
// plays the customer. Its own team, so the curl below (team omega) is not refused as a second request.
const demo = await fetch(`${stack.baseUrl}/byob`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    scope: 'team',
    team: 'demo',
    region: 'eu-west-1',
    encryption: { type: 'sse-kms' },
    cors: { allowedOrigins: ['https://app.example.com'] },
    accessRole: { enabled: true },
    launch: { mode: 'quick-create' },
    tags: { 'cost-center': 'demo' },
  }),
});
const demoRecord = (await demo.json()) as { id?: string; onboardingUrl?: string; quickCreateUrl?: string; detail?: string };
const demoText =
  demo.status === 202
    ? `Demo request ${demoRecord.id} (tenant demo, quick-create):
  its onboarding page, for the customer (no token needed; open it in a browser):
  ${demoRecord.onboardingUrl}
  play the customer: create its stack from the Launch Stack link in emulator account 111111111111:
  npm run launch -- '${demoRecord.quickCreateUrl}'`
    : `Demo request: not created (${demo.status} ${demoRecord.detail ?? ''})`;

console.log(`
BYOB API:        ${stack.baseUrl}
AWS emulator:    ${stack.emulatorEndpoint} (moto, pid ${stack.emulatorPid})
OpenAPI:         ${stack.baseUrl}/openapi.json
Token (tenant demo, 12 h; others: npm run token -- <tenant>):
${token}

${demoText}

Try:
curl -s -X POST ${stack.baseUrl}/byob -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '${body}'
curl -s ${stack.baseUrl}/byob -H "authorization: Bearer ${token}"
`);
const shutdown = async () => {
  forgetRunningStack(process.pid);
  await stack.stop();
  process.exit(0);
};
// The emulator holds every table, bucket and stack in memory: a new one would serve an API whose
// records are gone. So the stack stops, says why, and exits non-zero rather than restart it.
void stack.emulatorDied.then(async (why) => {
  console.error(`\n${why}\nStopping the API; run npm start again for a fresh emulator (its data is gone).`);
  await stack.stop();
  process.exit(1);
});
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
