import { describe, expect, it } from 'vitest';
import { readQuickCreateLink, readUpdateLink } from '../../../scripts/customer-launch.js';
import { quickCreateUrl } from '../../../lib/quick-create/link.js';
import { updateWizardUrl } from '../../../lib/quick-create/update-links.js';

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

describe('readUpdateLink', () => {
  it('reads an update\'s wizard link as the console does: region, route, stack and template', () => {
    const stackId = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/byob-01/0b6e1f10-1c3b-11f0-9a0f-0a1b2c3d4e5f';
    const templateUrl = 'https://byob-local-templates-eu-west-1.s3.eu-west-1.amazonaws.com/templates/byob_01/y.json';

    expect(readUpdateLink(updateWizardUrl('eu-west-1', stackId, templateUrl))).toEqual({ region: 'eu-west-1', route: '/stacks/update/template', stackId, templateUrl });
  });

  it('refuses a quick-create link', () => {
    const link = quickCreateUrl({ region: 'eu-west-1', templateUrl: 'https://b.s3.eu-west-1.amazonaws.com/t.json', stackName: 'byob-01', token: 'tok' });
    expect(() => readUpdateLink(link)).toThrow(/not an update link/);
  });
});
