// npm run token -- <tenant>: prints a bearer token for the local API.
import { mintToken } from './local-auth.js';

const tenant = process.argv[2] ?? 'demo';
if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(tenant)) {
  console.error('usage: npm run token -- <tenant>  (lowercase letters, digits, _ and -)');
  process.exit(2);
}
console.log(await mintToken(tenant));
