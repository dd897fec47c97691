import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../../lib/onboarding/html.js';

const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

describe('escapeHtml', () => {
  it('leaves no character that can open a tag or end a quoted attribute, and loses nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        expect(unescape(out)).toBe(s);
      }),
    );
  });
});

describe('html', () => {
  it('escapes interpolated values, keeps fragments it built, joins arrays and drops null, undefined and false', () => {
    const name = '<b>"x"</b>';
    const out = html`<p title="${name}">${html`<i>${name}</i>`}${[1, html`<br>`, '&']}${null}${undefined}${false}${0}</p>`;

    expect(out.text).toBe('<p title="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"><i>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</i>1<br>&amp;0</p>');
    expect(String(out)).toBe(out.text);
  });

  it('does not take a look-alike object for a fragment', () => {
    expect(html`${{ text: '<script>' }}`.text).toBe('[object Object]');
  });
});
