/** The public face of targets for the rotation engine. */
export * from './target.js';
export { openTarget, parseTargetRef, registerTarget, targetKey, targetTypes } from './registry.js';
export { fileLedger, memoryLedger } from './ledger.js';
export { rewriteDotenv, encodeDotenvValue } from './dotenv/rewrite.js';
export { asBindingTarget, type BindingTargetView } from './binding-adapter.js';
