/** The usage graph's public face, for the CLI and for blast-radius / plan. */
export { buildGraph, loadGraph, githubRepository, parseGithubRemote, type BuildOptions, type BuildStats, type GraphFile } from './build.js';
export { where, dependentsOf, whatBreaksIfRevoked, GraphIndex, type WhereResult, type ConsumerImpact } from './query.js';
export { summary, toDot, toMermaid } from './render.js';
export { EXTRACTORS } from './extractors/index.js';
export type * from './types.js';
