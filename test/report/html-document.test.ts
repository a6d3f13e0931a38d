import { describe, expect, it } from 'vitest';
import { escapeHtml, html, htmlList, htmlReportDocument, htmlSection, trustedHtml } from '../../src/report/render-html.js';

// The HTML report shell other reports reuse (the incident report next): every interpolated value
// is escaped unless it is markup built by the same tag, control and bidi characters are shown,
// and the page forbids scripts and network by its CSP.
describe('HTML report document shell', () => {
  it('escapes interpolated text, keeps nested markup, joins arrays and drops empty values', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<td>${name}</td>`.value).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>');
    expect(html`<a title="${'" onmouseover="x'}">`.value).toBe('<a title="&quot; onmouseover=&quot;x">');
    expect(html`<ul>${['a<', 'b'].map((t) => html`<li>${t}</li>`)}</ul>`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(html`${undefined}${null}${false}${3}`.value).toBe('3');
    expect(html`${trustedHtml('<b>ok</b>')}`.value).toBe('<b>ok</b>');
  });

  it('shows control and bidirectional-override characters instead of passing them on', () => {
    expect(escapeHtml('a\u202eb\u001bc')).toBe('a\\u{202e}b\\x1bc');
  });

  it('wraps sections in one self-contained page: title, heading, summary, CSP, no script', () => {
    const page = htmlReportDocument({
      title: 'Incident <7>',
      heading: 'Incident report',
      summary: 'opened by <b>',
      sections: [htmlSection('open', 'Still open', htmlList('open-items', ['k8s/<secret>.yaml'])), htmlSection('empty', 'Nothing', htmlList('none', []))],
    });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<title>Incident &lt;7&gt;</title>');
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).toContain('<p class="summary" id="summary">opened by &lt;b&gt;</p>');
    expect(page).toContain('<section id="open"><h2>Still open</h2>');
    expect(page).toContain('<ul class="open-items"><li>k8s/&lt;secret&gt;.yaml</li></ul>');
    expect(page).toContain('<p class="none empty">-</p>');
    expect(page).not.toMatch(/<script/i);
  });
});
