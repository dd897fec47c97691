import { describe, expect, it } from 'vitest';
import { readQuickCreateLink } from '../../../scripts/customer-launch.js';
import { quickCreateUrl } from '../../../lib/quick-create/link.js';

describe('readQuickCreateLink', () => {
  it('reads a link as the console does: region, route, template, stack name and the param_ values', () => {
    const templateUrl = 'https://byob-local-templates-eu-west-1.s3.eu-west-1.amazonaws.com/templates/byob_01/x.json';
    const link = quickCreateUrl({ region: 'eu-west-1', templateUrl, stackName: 'byob-01', token: 'tok_a+b/c=' });

    expect(readQuickCreateLink(link)).toEqual({
      host: 'eu-west-1.console.aws.amazon.com',
      region: 'eu-west-1',
      route: '/stacks/quickcreate',
      templateUrl,
      stackName: 'byob-01',
      parameters: [{ ParameterKey: 'RegistrationToken', ParameterValue: 'tok_a+b/c=' }],
    });
  });

  it('refuses what is not a quick-create link', () => {
    expect(() => readQuickCreateLink('https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks')).toThrow(/not a quick-create link/);
    expect(() => readQuickCreateLink('not a url')).toThrow();
  });
});
