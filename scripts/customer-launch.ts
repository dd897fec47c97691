// The customer's side of a quick-create link, played against the emulator: what the CloudFormation
// console does when someone opens the link and selects Create stack, or opens an update's link and
// submits the Update stack wizard. `npm run launch` and the quick-create end-to-end tests share it.
import {
  type Capability,
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  type StackEvent,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/** The emulator account that plays the customer unless told otherwise (not the vendor's 123456789012). */
export const DEFAULT_CUSTOMER_ACCOUNT = '111111111111';

const emulatorCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A quick-create link as the console reads it. */
export interface QuickCreateLink {
  /** The console host, `<region>.console.aws.amazon.com`. */
  host: string;
  region: string;
  /** The console route in the fragment (`/stacks/quickcreate`). */
  route: string;
  templateUrl: string;
  stackName: string;
  /** The `param_` values, as CreateStack parameters. */
  parameters: Parameter[];
}

/** Reads a quick-create link; throws when it is not one. */
export const readQuickCreateLink = (link: string): QuickCreateLink => {
  const url = new URL(link);
  const [route = '', query = ''] = url.hash.slice(1).split('?');
  const params = new URLSearchParams(query);
  const region = url.searchParams.get('region') ?? url.host.split('.')[0]!;
  const templateUrl = params.get('templateURL');
  const stackName = params.get('stackName');
  if (!templateUrl || !stackName) throw new Error('not a quick-create link: it has no templateURL or stackName');
  const parameters = [...params].filter(([k]) => k.startsWith('param_')).map(([k, v]) => ({ ParameterKey: k.slice('param_'.length), ParameterValue: v }));
  return { host: url.host, region, route, templateUrl, stackName, parameters };
};

/** The customer's own clients in `region`: credentials of a role in `account`, from the emulator's STS. */
export const customerClients = async (endpoint: string, region: string, account: string) => {
  const sts = new STSClient({ endpoint, region, credentials: emulatorCredentials });
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/byob-customer`, RoleSessionName: 'console' }));
  const credentials = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
  const target = { endpoint, region, credentials };
  return {
    cfn: new CloudFormationClient({ ...target, maxAttempts: 1 }),
    s3: new S3Client({ ...target, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  };
};

/** The parts of a template the console looks at before it creates a stack. */
export interface LaunchedTemplate {
  Parameters?: Record<string, { Type?: string; NoEcho?: boolean }>;
  Resources: Record<string, { Type: string }>;
}

/** The template at a templates-bucket URL, as the console reads it, and the capabilities the customer acknowledges for it. */
export const readLinkedTemplate = async (s3: S3Client, templateUrl: string) => {
  const template = new URL(templateUrl);
  const object = await s3.send(new GetObjectCommand({ Bucket: template.host.split('.s3.')[0], Key: template.pathname.slice(1) }));
  const body = JSON.parse(await object.Body!.transformToString()) as LaunchedTemplate;
  const capabilities: Capability[] = Object.values(body.Resources).some((r) => r.Type.startsWith('AWS::IAM::')) ? ['CAPABILITY_IAM'] : [];
  return { body, capabilities };
};

/**
 * What the console does with a quick-create link: reads the template at templateURL (from the region's
 * templates bucket), fills the parameters from the link's param_ values, acknowledges CAPABILITY_IAM when
 * the template has IAM resources (the box the customer ticks), and calls CreateStack in the link's region
 * with the customer's credentials.
 */
export const launchFromLink = async (opts: { endpoint: string; link: string; account: string }) => {
  const link = readQuickCreateLink(opts.link);
  const { cfn, s3 } = await customerClients(opts.endpoint, link.region, opts.account);
  const { body, capabilities } = await readLinkedTemplate(s3, link.templateUrl);
  const { StackId } = await cfn.send(
    new CreateStackCommand({ StackName: link.stackName, TemplateURL: link.templateUrl, Parameters: link.parameters, Capabilities: capabilities }),
  );
  return { stackId: StackId!, cfn, s3, link, template: body, capabilities };
};

/** An Update stack wizard link (the request's `pendingUpdate.consoleUrl`) as the console reads it. */
export interface UpdateLink {
  region: string;
  /** The console route in the fragment (`/stacks/update/template`). */
  route: string;
  stackId: string;
  templateUrl: string;
}

/** Reads an Update stack wizard link; throws when it is not one. */
export const readUpdateLink = (link: string): UpdateLink => {
  const url = new URL(link);
  const [route = '', query = ''] = url.hash.slice(1).split('?');
  const params = new URLSearchParams(query);
  const region = url.searchParams.get('region');
  const stackId = params.get('stackId');
  const templateUrl = params.get('templateURL');
  if (!region || !stackId || !templateUrl || !route.startsWith('/stacks/update')) throw new Error('not an update link: it has no stackId, templateURL or region');
  return { region, route, stackId, templateUrl };
};

/**
 * What the customer does in the Update stack wizard the link opens: Replace existing template with the
 * link's template URL, every parameter at its existing value (Use existing value), CAPABILITY_IAM
 * acknowledged when the new template has IAM resources, Submit: UpdateStack with the customer's credentials.
 */
export const updateFromLink = async (opts: { endpoint: string; link: string; account: string }) => {
  const link = readUpdateLink(opts.link);
  const { cfn, s3 } = await customerClients(opts.endpoint, link.region, opts.account);
  const { body, capabilities } = await readLinkedTemplate(s3, link.templateUrl);
  const current = (await cfn.send(new DescribeStacksCommand({ StackName: link.stackId }))).Stacks?.[0];
  const parameters = (current?.Parameters ?? []).map((p) => ({ ParameterKey: p.ParameterKey, UsePreviousValue: true }));
  await cfn.send(new UpdateStackCommand({ StackName: link.stackId, TemplateURL: link.templateUrl, Parameters: parameters, Capabilities: capabilities }));
  return { stackId: link.stackId, cfn, s3, link, template: body, capabilities };
};

/** Polls DescribeStacks (as the customer) until the stack leaves every *_IN_PROGRESS status. */
export const settled = async (cfn: CloudFormationClient, stackId: string, timeoutMs = 180_000): Promise<Stack> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
    if (s && !s.StackStatus?.endsWith('_IN_PROGRESS')) return s;
    if (Date.now() > deadline) throw new Error(`stack ${stackId} still ${s?.StackStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/** The stack's events, newest first. */
export const eventsOf = async (cfn: CloudFormationClient, stackId: string): Promise<StackEvent[]> =>
  (await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }))).StackEvents ?? [];
