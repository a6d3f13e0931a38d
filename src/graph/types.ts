/**
 * The usage graph's vocabulary: what an extractor returns for one file, and what the assembled
 * graph holds. Nothing here ever carries a secret value: credentials are known by fingerprint and
 * shown by their redacted form only.
 */
import type { CredentialIdentity } from '../core/credential.js';
import type { CredentialKind } from '../providers/rules.js';

/** What is known about one literal value that was judged to be a credential. */
export interface CredentialInfo {
  fingerprint: string;
  provider: string;
  kind: CredentialKind;
  /** The detection rule that recognised the value; absent when only the name gave it away. */
  ruleId?: string;
  /** From the rule (live/test/temporary...), when the key's own form says so. */
  environment?: string;
  redacted: string;
  /** Fingerprints of credentials embedded in this one (the password inside a connection URL). */
  parts?: string[];
}

/** A name bound to a literal value in this file (`NAME=value`, `key: value`, a Secret key). */
export interface Binding {
  name: string;
  line: number;
  /** The target this value is kept in (a .env file, a k8s Secret, a config file). */
  target: string;
  /** The key inside the target when it differs from `name` (a k8s Secret key). */
  key?: string;
  /** Present only when the value is a credential; ordinary config (PORT=3000) has none. */
  credential?: CredentialInfo;
}

/** How a consumer receives a name, when the file says so (a secretKeyRef, a GitHub secret). */
export interface Via {
  target: string;
  /** Key inside the target (k8s Secret key); defaults to the reference's name. */
  key?: string;
}

/** A name used by a consumer at a line. */
export interface Reference {
  name: string;
  consumer: string;
  line: number;
  /** The name the consumer sees it as, when renamed (`env: { KEY: ${{ secrets.STRIPE_KEY }} }`). */
  as?: string;
  via?: Via;
  /** The file's syntax marks it as a secret (secrets.X, secretKeyRef, sensitive var, ssm). */
  secret?: boolean;
}

/** A consumer receives every name kept in a target (compose env_file, k8s envFrom.secretRef). */
export interface Import {
  consumer: string;
  line: number;
  from: string;
  /** For env files: the path, so the builder can read a file no extractor claimed by name. */
  path?: string;
}

export type ConsumerKind =
  | 'gha-job'
  | 'gitlab-job'
  | 'circleci-job'
  | 'compose-service'
  | 'dockerfile'
  | 'k8s-workload'
  | 'vercel-project'
  | 'netlify-site'
  | 'serverless-service'
  | 'terraform-module'
  | 'code';

export interface Consumer {
  id: string;
  kind: ConsumerKind;
  label: string;
  file: string;
  line: number;
  attrs?: Record<string, string | string[]>;
}

/** One name with the target plugin that writes it (src/integrations/<kind>/), where there is one. */
export type TargetKind = 'dotenv' | 'config-file' | 'k8s-secret' | 'github-actions' | 'vercel-env' | 'aws-ssm-parameter';

export interface TargetDecl {
  id: string;
  kind: TargetKind;
  label: string;
  attrs?: Record<string, string | string[]>;
  /** Held by a platform (Actions secrets, Vercel env, SSM): a target even before any value is bound to it. */
  remote?: boolean;
}

export interface ExtractWarning {
  file: string;
  line: number;
  message: string;
}

/** A reusable-workflow call, resolved across files when the graph is assembled. */
export interface WorkflowCall {
  caller: string;
  uses: string;
  inherit: boolean;
  /** callee secret name -> caller's secret name */
  map: Record<string, string>;
  line: number;
}

export interface ExtractResult {
  bindings: Binding[];
  references: Reference[];
  imports: Import[];
  consumers: Consumer[];
  targets: TargetDecl[];
  warnings: ExtractWarning[];
  /** GitHub Actions only: jobs that call reusable workflows; and secrets a reusable workflow declares. */
  calls?: WorkflowCall[];
  workflowCallSecrets?: string[];
  /** `.vercel/project.json` only: the project linked at this directory. */
  vercelProject?: { dir: string; projectId: string; orgId?: string; name?: string };
}

export interface ExtractFile {
  /** Relative to the project root, `/` separators. */
  path: string;
  text: string;
}

export interface ExtractContext {
  /** Decide whether a literal bound to `name` is a credential; never keeps the value. */
  classify(name: string, value: string, file: string): CredentialInfo | undefined;
}

/** One plugin per source type. Adding one is adding a file and a line in ./extractors/index.ts. */
export interface Extractor {
  id: string;
  /** Bumped when the extractor's output changes, so cached results are recomputed. */
  version: number;
  matches(path: string): boolean;
  extract(file: ExtractFile, ctx: ExtractContext): ExtractResult;
}

// ---------------------------------------------------------------------------------------------
// The assembled graph

export type NodeType = 'credential' | 'name' | 'file' | 'consumer' | 'target' | 'provider';

export interface CredentialNode extends CredentialIdentity {
  type: 'credential';
  kind: CredentialKind;
}
export interface NameNode {
  type: 'name';
  id: string;
  name: string;
}
export interface FileNode {
  type: 'file';
  id: string;
  path: string;
}
export interface ConsumerNode {
  type: 'consumer';
  id: string;
  kind: ConsumerKind;
  label: string;
  file: string;
  line: number;
  attrs?: Record<string, string | string[]>;
}
export interface TargetNode {
  type: 'target';
  id: string;
  kind: TargetKind;
  label: string;
  attrs?: Record<string, string | string[]>;
}
export interface ProviderNode {
  type: 'provider';
  id: string;
  provider: string;
}

export type GraphNode = CredentialNode | NameNode | FileNode | ConsumerNode | TargetNode | ProviderNode;

export type EdgeType = 'appears-in' | 'bound-to' | 'referenced-by' | 'stored-in' | 'guards' | 'derived-from' | 'issued-by';

export interface GraphEdge {
  type: EdgeType;
  from: string;
  to: string;
  file?: string;
  line?: number;
  /** referenced-by: the name as the consumer sees it; stored-in: the key inside the target. */
  as?: string;
  key?: string;
  /** referenced-by: the target it is delivered from, when known. */
  via?: string;
  /** stored-in a remote store: deduced from names and environments, not seen. */
  inferred?: boolean;
  /** guards: why (provider, or a deploy job's name). */
  reason?: string;
  /** appears-in, from a scan of a git work tree: where the file stands with git (ignored = this machine only). */
  git?: 'committed' | 'untracked' | 'ignored';
}

export interface GraphWarning extends ExtractWarning {}

export interface Graph {
  schemaVersion: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  warnings: GraphWarning[];
  /** The GitHub repository targets were named after, when known. */
  github?: string;
}
