import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * The SARIF 2.1.0 JSON Schema, as published with the standard (the 2.1.0-rtm.5 text that OASIS
 * approved as 2.1.0), read from the copy the npm package @microsoft/jest-sarif ships: it is a
 * dev dependency, never a file committed here. The schema is draft-04, hence ajv-draft-04.
 */
const require = createRequire(import.meta.url);

let validate: ValidateFunction | undefined;

export function sarifSchemaPath(): string {
  return require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
}

/** Schema errors for a SARIF document (an empty list when it is valid). */
export function sarifSchemaErrors(doc: unknown): string[] {
  if (!validate) {
    const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
    const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
    // unicodeRegExp off: the schema's `language` pattern has a stray `]`, legal only without the u flag.
    const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(sarifSchemaPath(), 'utf8')) as { title: string };
    if (!/SARIF\) Version 2\.1\.0/.test(schema.title)) throw new Error(`unexpected schema: ${schema.title}`);
    validate = ajv.compile(schema);
  }
  return validate(doc) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}`);
}
