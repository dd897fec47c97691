import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';

/** Every stack (all pages) tagged `byob:tenant` = `tenant`. */
export const stacksTaggedFor = async (cfn: CloudFormationClient, tenant: string): Promise<Stack[]> => {
  const found: Stack[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new DescribeStacksCommand({ NextToken }));
    found.push(...(page.Stacks ?? []).filter((s) => s.Tags?.some((t) => t.Key === 'byob:tenant' && t.Value === tenant)));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
};
