/**
 * The shared machinery of targets (the face, files, HTTP, ledger). The plugins themselves live in
 * their integrations' folders and are found through src/integrations/targets.ts.
 */
export * from './target.js';
export { memoryLedger } from './ledger.js';
export { asBindingTarget, type BindingTargetView } from './binding-adapter.js';
