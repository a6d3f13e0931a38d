/**
 * The conformance suite lives in ./conformance/ (one file per module of the profile); this file
 * keeps the import path the CLI and tests use.
 */
export { runConformance } from './conformance/run.js';
export {
  MODULES,
  profileLine,
  type CheckResult,
  type ConformanceOptions,
  type ConformanceReport,
  type Module,
  type ModuleVerdict,
} from './conformance/types.js';
