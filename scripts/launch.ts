// npm run launch -- '<quickCreateUrl>' [--account <12 digits>] [--endpoint <emulator URL>]
// npm run launch -- '<pendingUpdate.consoleUrl>' [--account <12 digits>] [--endpoint <emulator URL>]
// Plays the customer of a quick-create link against the local stack: what the CloudFormation console
// does when the customer selects Create stack, in a second emulator account; given an update's link, what
// they do in the Update stack wizard (scripts/customer-launch.ts).
import { parseArgs } from 'node:util';
import { DEFAULT_CUSTOMER_ACCOUNT, eventsOf, launchFromLink, settled, updateFromLink } from './customer-launch.js';
import { runningStack } from './running-stack.js';

const usage = "usage: npm run launch -- '<quickCreateUrl or pendingUpdate.consoleUrl>' [--account 111111111111] [--endpoint http://127.0.0.1:<emulator port>]";
const { positionals, values } = parseArgs({ allowPositionals: true, options: { account: { type: 'string' }, endpoint: { type: 'string' } } });
const [link] = positionals;
const account = values.account ?? DEFAULT_CUSTOMER_ACCOUNT;
if (!link || positionals.length > 1 || !/^\d{12}$/.test(account)) {
  console.error(usage);
  process.exit(2);
}
const endpoint = values.endpoint ?? runningStack()?.emulatorEndpoint;
if (!endpoint) {
  console.error(`No local stack is running here: start one with \`npm start\`, or name its emulator with --endpoint.\n${usage}`);
  process.exit(2);
}

const isUpdate = link.includes('#/stacks/update');
try {
  if (isUpdate) {
    const updated = await updateFromLink({ endpoint, link, account });
    console.log(`Updating stack ${updated.stackId} as AWS account ${account}, every parameter at its existing value${updated.capabilities.length ? ` (acknowledged: ${updated.capabilities.join(', ')})` : ''}…`);
    const stack = await settled(updated.cfn, updated.stackId);
    console.log(`Stack ${stack.StackStatus}${stack.StackStatus === 'UPDATE_COMPLETE' ? '; the request is verified next and goes back to READY on the new template.' : ''}`);
    process.exit(stack.StackStatus === 'UPDATE_COMPLETE' ? 0 : 1);
  }
  const launched = await launchFromLink({ endpoint, link, account });
  const { region, stackName } = launched.link;
  console.log(`Creating stack ${stackName} in ${region} as AWS account ${account}${launched.capabilities.length ? ` (acknowledged: ${launched.capabilities.join(', ')})` : ''}…`);
  const stack = await settled(launched.cfn, launched.stackId);
  if (stack.StackStatus !== 'CREATE_COMPLETE') {
    const failed = (await eventsOf(launched.cfn, launched.stackId)).filter((e) => e.ResourceStatus?.endsWith('_FAILED'));
    console.error(`Stack ${stack.StackStatus}:`);
    for (const e of failed) console.error(`  ${e.LogicalResourceId}: ${e.ResourceStatusReason ?? e.ResourceStatus}`);
    process.exit(1);
  }
  console.log(`Stack CREATE_COMPLETE: ${launched.stackId}\nThe request is verified next; its onboarding page shows it reach READY.`);
} catch (e) {
  console.error(`Launch failed: ${(e as Error).message}`);
  process.exit(1);
}
