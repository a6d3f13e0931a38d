import { escapeControl } from '../../core/text.js';

/**
 * The shell every credctl HTML report shares (blast radius today, the incident report for
 * auditors next): one self-contained page, no scripts, no network (a CSP forbids both), and an
 * `html` template tag that escapes every interpolated value unless it is already `SafeHtml`.
 * Report inputs come from hostile repositories (file names, env names, labels), so escaping is
 * the default and raw markup has to be asked for by name.
 */

/** Markup built by `html` (or trusted constant markup): inserted as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Repository text made inert in HTML text and attribute values; control and bidi characters shown as \xNN. */
export function escapeHtml(s: string): string {
  return escapeControl(s).replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[];

function piece(v: Interpolated): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false || v === true) return '';
  return escapeHtml(String(v));
}

/** Template tag: `html\`<td>${name}</td>\`` escapes `name`; nested `html` results and arrays of them go in unescaped. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += piece(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Constant markup the caller wrote itself (never repository text). */
export const trustedHtml = (markup: string): SafeHtml => new SafeHtml(markup);

/** A titled section: `<section id=…><h2>…</h2>…</section>`. */
export function htmlSection(id: string, heading: string, body: SafeHtml | readonly SafeHtml[]): SafeHtml {
  return html`<section id="${id}"><h2>${heading}</h2>
${body}
</section>
`;
}

/** A list of plain texts (each escaped), or a dash when empty. */
export function htmlList(className: string, items: readonly string[], ordered = false): SafeHtml {
  if (!items.length) return html`<p class="${className} empty">-</p>`;
  const lis = items.map((t) => html`<li>${t}</li>`);
  return ordered ? html`<ol class="${className}">${lis}</ol>` : html`<ul class="${className}">${lis}</ul>`;
}

export interface HtmlReportDocument {
  /** The page title (the browser tab). */
  title: string;
  /** The visible heading. */
  heading: string;
  /** One line under the heading (plain text, escaped). */
  summary?: string;
  sections: readonly SafeHtml[];
  /** Extra CSS for this report's own parts (constant, never repository text). */
  styles?: string;
}

const BASE_STYLES = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330}
h1{font-size:20px;margin:0 0 8px}
h2{font-size:17px;margin:24px 0 8px}
h3{font-size:15px;margin:16px 0 6px}
.summary{margin:0 0 16px;color:#444}
table{border-collapse:collapse;width:100%;margin:12px 0 24px}
th,td{border:1px solid #d6dae3;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f2f4f8}
code{font-size:12px;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
dd ul,dd ol{margin:0;padding-left:18px}
.empty{margin:0}`;

/** The whole page around the given sections: doctype, CSP (no scripts, no network), title, styles. */
export function htmlReportDocument(doc: HtmlReportDocument): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${doc.title}</title>
<style>
${trustedHtml(BASE_STYLES)}
${trustedHtml(doc.styles ?? '')}
</style></head>
<body>
<h1>${doc.heading}</h1>
${doc.summary === undefined ? '' : html`<p class="summary" id="summary">${doc.summary}</p>`}
${doc.sections}
</body></html>
`.value;
}
