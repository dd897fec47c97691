import { REGISTRATION_TOKEN_PARAMETER } from '../../templates/spec.js';

/**
 * How a customer applies an update offered for their quick-create stack. The CloudFormation console
 * documents quick-create links for new stacks only; for an existing stack it documents the Update
 * wizard's steps. Vendors link `#/stacks/update/template?stackId=…&templateURL=…`, which opens the
 * wizard with the new template selected, but AWS does not document it: the view says so and gives the
 * stack's own page and the steps beside it.
 */

/** What the view shows of an offered update. */
export interface UpdateLinks {
  id: string;
  toVersion: string;
  offeredAt: string;
  /** The new template, as CloudFormation reads it (Amazon S3 URL). */
  templateUrl: string;
  /** The console's Update stack wizard with the new template selected (undocumented by AWS). */
  consoleUrl: string;
  /** The stack's page in the console: the documented way in. */
  stackUrl: string;
  instructions: string;
  steps: string[];
}

/** What the links are made from: an offered update (lib/provisioning/record.ts OfferedUpdate). */
export interface Offer {
  id: string;
  toVersion: string;
  offeredAt: string;
  templateUrl: string;
  target: { accessRole: boolean };
}

const CONSOLE = 'https://console.aws.amazon.com/cloudformation/home';

/** The console's Update stack wizard for `stackId` with the template at `templateUrl` selected. */
export const updateWizardUrl = (region: string, stackId: string, templateUrl: string): string =>
  `${CONSOLE}?region=${region}#/stacks/update/template?stackId=${encodeURIComponent(stackId)}&templateURL=${encodeURIComponent(templateUrl)}`;

/** The stack's page in the console. */
export const stackPageUrl = (region: string, stackId: string): string => `${CONSOLE}?region=${region}#/stacks/stackinfo?stackId=${encodeURIComponent(stackId)}`;

/** The links and steps of `offer` for the stack `stackId` in `region`. */
export const updateLinksOf = (region: string, stackId: string, offer: Offer): UpdateLinks => ({
  id: offer.id,
  toVersion: offer.toVersion,
  offeredAt: offer.offeredAt,
  templateUrl: offer.templateUrl,
  consoleUrl: updateWizardUrl(region, stackId, offer.templateUrl),
  stackUrl: stackPageUrl(region, stackId),
  instructions:
    "The customer applies it in their account. consoleUrl opens CloudFormation's Update stack wizard with this template selected; AWS does not document that link, so stackUrl and steps are the documented way.",
  steps: [
    `Open stackUrl (${region}) in the account that runs the stack; choose Update.`,
    'Replace existing template, Amazon S3 URL: templateUrl.',
    `Keep every parameter (Use existing value), ${REGISTRATION_TOKEN_PARAMETER} included.`,
    ...(offer.target.accessRole ? ['Acknowledge that it creates IAM resources.'] : []),
    'Submit.',
  ],
});
