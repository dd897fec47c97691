import { describe, expect, it } from 'vitest';
import { stackPageUrl, updateLinksOf, updateWizardUrl } from '../../../lib/quick-create/update-links.js';

const STACK = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/byob-01jqc00000000000000000test/0b6e1f10-1c3b-11f0-9a0f-0a1b2c3d4e5f';
const TEMPLATE = 'https://byob-prod-templates-eu-west-1.s3.eu-west-1.amazonaws.com/templates/byob_01JQC00000000000000000TEST/n0nce.json';
const offer = (accessRole: boolean) => ({ id: 'upd-01JQC00000000000000000OFR1', toVersion: '2027-01-05.1', offeredAt: '2026-11-24T10:00:00.000Z', templateUrl: TEMPLATE, target: { accessRole } });

describe('update links', () => {
  it('the Update stack wizard with the template selected, as vendors link it (stack ARN and template URL encoded whole)', () => {
    const url = new URL(updateWizardUrl('eu-west-1', STACK, TEMPLATE));
    expect(`${url.origin}${url.pathname}${url.search}`).toBe('https://console.aws.amazon.com/cloudformation/home?region=eu-west-1');
    const [route, query] = url.hash.slice(1).split('?');
    expect(route).toBe('/stacks/update/template');
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({ stackId: STACK, templateURL: TEMPLATE });
    expect(query).not.toMatch(/[:/]/);
  });

  it('the stack\'s own page, the documented way in', () => {
    expect(stackPageUrl('eu-west-1', STACK)).toBe(`https://console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=${encodeURIComponent(STACK)}`);
  });

  it('says the wizard link is undocumented and gives the steps, the IAM acknowledgement only when the template has the role', () => {
    const withRole = updateLinksOf('eu-west-1', STACK, offer(true));
    const without = updateLinksOf('eu-west-1', STACK, offer(false));

    expect(withRole.instructions).toMatch(/AWS does not document that link/);
    expect(withRole.steps.join(' ')).toMatch(/Update.*Replace existing template.*Amazon S3 URL.*Use existing value.*RegistrationToken.*IAM resources.*Submit/s);
    expect(without.steps.some((s) => /IAM/.test(s))).toBe(false);
    expect(without).toMatchObject({ id: offer(false).id, toVersion: '2027-01-05.1', templateUrl: TEMPLATE, consoleUrl: updateWizardUrl('eu-west-1', STACK, TEMPLATE) });
  });
});
