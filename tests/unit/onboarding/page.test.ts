import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageAssets } from '../../../lib/onboarding/assets.js';
import { renderErrorPage } from '../../../lib/onboarding/error-page.js';
import { renderOnboardingPage } from '../../../lib/onboarding/page.js';
import { toOnboardingView } from '../../../lib/onboarding/projection.js';
import type { OnboardingView } from '../../../lib/onboarding/view.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { quickCreateRecord } from '../../support/records.js';
import { onboardingConfig, launchedRecord } from './support.js';

const config = onboardingConfig();
const STATUS_URL = 'byob_01JQC00000000000000000TEST/status?t=1.0.x';
const render = (v: OnboardingView) => renderOnboardingPage(v, STATUS_URL, pageAssets());

/** The markup the page is made of; anything else in a rendered page came from a value that was not escaped. */
const TAGS = new Set('html head meta title link script body header main footer section h1 h2 h3 p ol ul li a strong span dl dt dd div code pre button details summary'.split(' '));
const ATTRIBUTES = new Set(
  'lang charset name content rel href src defer id class role hidden type data-copy data-status-url data-settled aria-label aria-labelledby aria-current target'.split(' '),
);

/** Every tag and attribute name in the markup (escaped text holds no `<`, quoted values no `"`). */
const structure = (page: string) => {
  const tags = [...page.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)];
  return {
    tags: new Set(tags.map((m) => m[1]!.toLowerCase())),
    attributes: new Set(tags.flatMap((m) => [...m[2]!.replace(/="[^"]*"/g, '').matchAll(/[^\s/]+/g)].map((a) => a[0]))),
  };
};

/** The view with every string in it replaced by `text`, except the Launch link (always the console's https URL). */
const everyString = (v: OnboardingView, text: string): OnboardingView => {
  const map = (x: unknown): unknown =>
    typeof x === 'string' ? text : Array.isArray(x) ? x.map(map) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, map(y)])) : x;
  const mapped = map(v) as OnboardingView;
  return { ...mapped, status: v.status, launch: { ...mapped.launch, mode: v.launch.mode, url: v.launch.url } };
};

const PAYLOAD = `"'><script>alert(1)</script><img src=x onerror=alert(2)><style>*{}</style>&amp;`;

/** A record with the payload in every field a person or AWS could have written. */
const hostile = (base: ByobRecord): ByobRecord => ({
  ...base,
  bucketName: PAYLOAD,
  team: PAYLOAD,
  region: PAYLOAD,
  tags: { [PAYLOAD]: PAYLOAD },
  corsRules: [{ allowedOrigins: [PAYLOAD], allowedMethods: [PAYLOAD as never], allowedHeaders: [], exposedHeaders: [], maxAgeSeconds: 1 }],
  encryption: { type: 'sse-kms', kmsKeyArn: PAYLOAD },
  launch: { ...base.launch, stackName: PAYLOAD, stackStatus: PAYLOAD },
  outputs: base.outputs && Object.fromEntries(Object.keys(base.outputs).map((k) => [k, PAYLOAD])) as never,
  verification: base.verification && {
    ...base.verification,
    checkedAt: PAYLOAD,
    checks: [{ id: PAYLOAD, status: 'failed', detail: PAYLOAD, remediation: PAYLOAD, commands: [PAYLOAD, { command: PAYLOAD }] } as never],
  },
  failure: { code: PAYLOAD, message: PAYLOAD, resource: PAYLOAD },
  quickCreate: base.quickCreate && { ...base.quickCreate, expiresAt: PAYLOAD },
});

const expectInert = (page: string) => {
  const { tags, attributes } = structure(page);
  expect([...tags].filter((t) => !TAGS.has(t))).toEqual([]);
  expect([...attributes].filter((a) => !ATTRIBUTES.has(a))).toEqual([]);
  expect(page.match(/<script/g)).toHaveLength(1);
  expect(page).not.toContain(`"'>`);
};

describe('renderOnboardingPage', () => {
  it('renders the essential facts without its script: status, timeline, bucket, the Launch Stack link and what the customer must tick', () => {
    const waiting = quickCreateRecord({ accessRole: true });
    const page = render(toOnboardingView(waiting, config));
    const link = toOnboardingView(waiting, config).launch.url!;

    expect(page).toContain(`href="${link.replaceAll('&', '&amp;')}" target="_blank" rel="noopener noreferrer"`);
    expect(page).toContain('Waiting for you to launch the stack');
    expect(page).toContain(waiting.bucketName);
    expect(page).toContain('CAPABILITY_IAM');
    expect(page).toContain('aria-current="step"><span class="visually-hidden">Now: </span>You launch the stack');
    expect(page).toContain(`data-status-url="${STATUS_URL}" data-settled="false"`);
  });

  it('shows a READY request\'s checks with their remediation and its outputs with copy buttons, and no Launch link', () => {
    const page = render(toOnboardingView(launchedRecord(), config));

    expect(page).toMatch(/<p id="status" class="status" role="status">Ready: /);
    expect(page).toContain('<strong>Versioning</strong>');
    expect(page).toContain('<strong>How to fix:</strong> Set MaxAgeSeconds to 3600.');
    expect(page).toContain(`<code>arn:aws:s3:::${launchedRecord().bucketName}</code><button type="button" class="copy" data-copy="arn:aws:s3:::${launchedRecord().bucketName}"`);
    expect(page).toContain('id="launch" aria-labelledby="launch-h" hidden');
    expect(page).toContain('data-settled="true"');
  });

  it('says in direct mode that there is nothing to launch', () => {
    const direct = launchedRecord({ status: 'CREATING', launch: { ...launchedRecord().launch, mode: 'direct' }, quickCreate: null });
    const page = render(toOnboardingView(direct, config));
    expect(page).toContain('creates the stack for you; there is nothing for you to launch');
    expect(page).not.toContain('Launch Stack</a>');
  });

  it('loads only its own script and stylesheet, with no inline script, style or event handler', () => {
    const page = render(toOnboardingView(launchedRecord(), config));
    const { script, style } = pageAssets();
    expect([...page.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)].map((m) => [m[1], m[2]])).toEqual([[` src="${script}" defer`, '']]);
    expect([...page.matchAll(/<link([^>]*)>/g)].map((m) => m[1])).toEqual([' rel="icon" href="data:,"', ` rel="stylesheet" href="${style}"`]);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('turns a <script> (or a quote, an <img>…) in any record field into inert text', () => {
    for (const r of [hostile(quickCreateRecord({ accessRole: true })), hostile(launchedRecord())]) {
      const page = render(toOnboardingView(r, onboardingConfig({ VENDOR_NAME: PAYLOAD.slice(0, 80) })));
      expectInert(page);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    }
  });

  it('keeps its structure whatever the strings in the view, markup-like ones above all', () => {
    const markupish = fc
      .array(fc.oneof(fc.constantFrom('<script>', '</p>', '<img src=x onerror=alert(1)>', '"', "'", '>', '<', '&', '=', ' on', '<a href=', '<b'), fc.string({ unit: 'grapheme', maxLength: 4 })), { minLength: 1, maxLength: 8 })
      .map((parts) => parts.join(''));
    const views = [toOnboardingView(quickCreateRecord({ accessRole: true, tags: { a: 'b' } }), config), toOnboardingView(launchedRecord({ tags: { a: 'b' } }), config)];
    fc.assert(
      fc.property(fc.constantFrom(...views), markupish, (view, text) => {
        expectInert(render(everyString(view, text)));
      }),
      { numRuns: 200 },
    );
  });

  it('renders an href only for an https link: escaping alone would let javascript: through', () => {
    const view = toOnboardingView(quickCreateRecord(), config);
    const page = render({ ...view, launch: { ...view.launch, url: 'javascript:alert(1)' } });
    expect(page).toContain('id="launch-link" class="button" href=""');
  });
});

describe('renderErrorPage', () => {
  it('says what happened and nothing else, in the same frame', () => {
    const page = renderErrorPage({ title: 'Link expired', detail: `${PAYLOAD} Ask the sender for a new one.` }, 'Example Vendor', pageAssets());
    expectInert(page);
    expect(page).toContain('<h1>Link expired</h1>');
    expect(page).not.toContain('data-status-url');
  });
});
