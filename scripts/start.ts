// npm start: the API on 127.0.0.1:$PORT (default 3000) over the local AWS emulator.
import { startLocalStack } from './local-stack.js';

const port = Number(process.env.PORT ?? 3000);
console.log('Starting the local AWS emulator and the API (first run installs the emulator into .venv)…');
const stack = await startLocalStack({ port, quiet: process.env.BYOB_VERBOSE !== '1', reconcileEveryMs: 15_000 });
const token = await stack.token('demo');
const body = JSON.stringify({
  scope: 'team',
  team: 'omega',
  region: 'eu-west-1',
  encryption: { type: 'sse-kms' },
  cors: { allowedOrigins: ['https://app.example.com'] },
  launch: { mode: 'direct' },
});
console.log(`
BYOB API:        ${stack.baseUrl}
AWS emulator:    ${stack.emulatorEndpoint} (moto, pid ${stack.emulatorPid})
OpenAPI:         ${stack.baseUrl}/openapi.json
Token (tenant demo, 12 h; others: npm run token -- <tenant>):
${token}

Try:
curl -s -X POST ${stack.baseUrl}/byob -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '${body}'
curl -s ${stack.baseUrl}/byob -H "authorization: Bearer ${token}"
`);
const shutdown = async () => {
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
