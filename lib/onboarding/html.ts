/** Markup that is safe to embed as is: only `html` makes it, so every other value is escaped on the way in. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML character data or a quoted attribute value: nothing in it can open a tag or close a quote. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const embed = (value: unknown): string => {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(embed).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
};

/**
 * Tagged template for markup: every interpolated value is escaped unless it is SafeHtml (a fragment
 * built by this tag); arrays are joined; null, undefined and false render nothing. Attribute values
 * must be double-quoted in the template.
 */
export const html = (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml =>
  new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? embed(values[i]) : ''), ''));
