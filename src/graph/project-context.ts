import type { ProjectPaths } from '../core/paths.js';
import type { ProjectSettings } from '../config/sections.js';
import { openProject, type Project } from '../project/context.js';
import { buildGraph } from './build.js';
import type { Graph } from './types.js';

/**
 * One project with its usage graph: what most commands work on, built once per command and
 * passed down (the project's root, settings, providers, trust and state, and where each
 * credential is used).
 */
export interface ProjectContext {
  project: Project;
  paths: ProjectPaths;
  settings: ProjectSettings;
  graph: Graph;
}

export function loadProject(root: string, options: { env?: NodeJS.ProcessEnv } = {}): ProjectContext {
  const project = openProject(root, options);
  const graph = buildGraph(project.root, { state: project.state.graph });
  return { project, paths: project.paths, settings: project.settings, graph };
}
