import { shortFingerprint } from '../core/fingerprint.js';
import { VERSION } from '../core/version.js';
import type { Finding } from './finding.js';
import type { RuleInfo } from './format.js';
import type { ScanResult } from './types.js';

/**
 * `credctl scan --format junit`: JUnit XML, the report format every CI system shows as a test
 * tab (GitLab's `artifacts:reports:junit`, Jenkins, Azure DevOps, CircleCI). Each finding is a
 * failed test case named after its rule and location, so a pipeline lists them like failing
 * tests; a clean scan is one passing case, so the report is never empty. Like every format it
 * is built from Findings only: redacted forms and fingerprints, never a value.
 */
export function toJunit(result: ScanResult, rules?: Map<string, RuleInfo>): string {
  const { findings, stats } = result;
  const seconds = (stats.durationMs / 1000).toFixed(3);
  const cases = findings.length
    ? findings.map((f) => testCase(f, rules))
    : [`    <testcase classname="credctl" name="no credentials found" time="${seconds}"/>`];
  const tests = Math.max(findings.length, 1);
  const counts = `tests="${tests}" failures="${findings.length}" errors="0" skipped="0" time="${seconds}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="credctl scan" ${counts}>`,
    `  <testsuite name="credctl scan" ${counts}>`,
    '    <properties>',
    `      <property name="credctl.version" value="${attr(VERSION)}"/>`,
    `      <property name="files.scanned" value="${stats.filesScanned}"/>`,
    ...(stats.commitsScanned !== undefined ? [`      <property name="commits.scanned" value="${stats.commitsScanned}"/>`] : []),
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testCase(f: Finding, rules?: Map<string, RuleInfo>): string {
  const where = `${f.file}:${f.line}:${f.column}`;
  const ruleName = rules?.get(f.ruleId)?.name ?? f.ruleId;
  const message = `${ruleName} ${f.redacted} (${shortFingerprint(f.fingerprint)})`;
  const details = [
    `${ruleName} at ${where}: ${f.redacted}`,
    `rule: ${f.ruleId} (${f.provider}, ${f.kind}, confidence ${f.confidence})`,
    `fingerprint: ${f.fingerprint}`,
    ...(f.environment ? [`environment: ${f.environment}`] : []),
    ...(f.commit ? [`first added in commit ${f.commit} by ${f.author ?? '?'} on ${f.date ?? '?'}; ${f.commits ?? 1} commit(s); now ${f.status ?? '?'}`] : []),
    'Rotate it (credctl plan / credctl apply), then remove it and read it from the environment or a secret store.',
  ].join('\n');
  return [
    `    <testcase classname="${attr(f.file)}" name="${attr(`${f.ruleId} at ${where}`)}" file="${attr(f.file)}" line="${f.line}" time="0">`,
    `      <failure type="${attr(f.ruleId)}" message="${attr(message)}">${text(details)}</failure>`,
    '    </testcase>',
  ].join('\n');
}

// XML 1.0 cannot carry most control characters or unpaired surrogates at all, even escaped:
// they become U+FFFD.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
