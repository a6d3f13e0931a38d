import { riskFromWords } from '../kit.js';
import type { Grant, Risk } from '../types.js';

/**
 * Classic personal access token and OAuth app scopes (GitHub's "Scopes for OAuth apps" page),
 * each with the risk a leaked token holding it carries. Kept as a table because GitHub's names do
 * not say their weight: `repo` reaches every private repository, its collaborators and webhooks;
 * `workflow` changes code that runs with the repository's Actions secrets.
 */
const CLASSIC: Record<string, { risk: Risk; description: string }> = {
  repo: { risk: 'admin', description: 'Full control of every repository the account can reach: private code, collaborators, webhooks, deploy keys.' },
  'repo:status': { risk: 'write', description: 'Read and write commit statuses.' },
  repo_deployment: { risk: 'write', description: 'Read and write deployment statuses.' },
  public_repo: { risk: 'write', description: 'Write to public repositories.' },
  'repo:invite': { risk: 'write', description: 'Accept and decline repository invitations.' },
  security_events: { risk: 'write', description: 'Read and write code scanning and security events.' },
  workflow: { risk: 'write', description: 'Change GitHub Actions workflow files, which run with the repository secrets.' },
  'admin:repo_hook': { risk: 'admin', description: 'Manage repository webhooks.' },
  'write:repo_hook': { risk: 'write', description: 'Create and change repository webhooks.' },
  'read:repo_hook': { risk: 'read', description: 'Read repository webhooks.' },
  'admin:org': { risk: 'admin', description: 'Manage the organisation: members, teams, settings.' },
  'write:org': { risk: 'write', description: 'Change organisation and team membership.' },
  'read:org': { risk: 'read', description: 'Read organisation membership, teams and projects.' },
  'admin:public_key': { risk: 'admin', description: 'Manage the account SSH keys.' },
  'write:public_key': { risk: 'write', description: 'Add SSH keys to the account.' },
  'read:public_key': { risk: 'read', description: 'Read the account SSH keys.' },
  'admin:org_hook': { risk: 'admin', description: 'Manage organisation webhooks.' },
  gist: { risk: 'write', description: 'Create and change gists.' },
  notifications: { risk: 'read', description: 'Read notifications.' },
  user: { risk: 'write', description: 'Change the profile.' },
  'read:user': { risk: 'read', description: 'Read the profile.' },
  'user:email': { risk: 'read', description: 'Read the account email addresses.' },
  'user:follow': { risk: 'write', description: 'Follow and unfollow users.' },
  project: { risk: 'write', description: 'Read and write projects.' },
  'read:project': { risk: 'read', description: 'Read projects.' },
  delete_repo: { risk: 'admin', description: 'Delete repositories.' },
  'write:packages': { risk: 'write', description: 'Publish packages to GitHub Packages.' },
  'read:packages': { risk: 'read', description: 'Download packages from GitHub Packages.' },
  'delete:packages': { risk: 'admin', description: 'Delete packages.' },
  'admin:gpg_key': { risk: 'admin', description: 'Manage the account GPG keys.' },
  'write:gpg_key': { risk: 'write', description: 'Add GPG keys.' },
  'read:gpg_key': { risk: 'read', description: 'Read GPG keys.' },
  'admin:ssh_signing_key': { risk: 'admin', description: 'Manage SSH signing keys.' },
  codespace: { risk: 'write', description: 'Create and manage codespaces.' },
  'admin:enterprise': { risk: 'admin', description: 'Manage the enterprise.' },
  'manage_runners:enterprise': { risk: 'admin', description: 'Manage enterprise self-hosted runners.' },
  'manage_billing:enterprise': { risk: 'admin', description: 'Manage enterprise billing.' },
  'read:enterprise': { risk: 'read', description: 'Read the enterprise profile.' },
  audit_log: { risk: 'admin', description: 'Read and export the audit log.' },
  'read:audit_log': { risk: 'read', description: 'Read the audit log.' },
  copilot: { risk: 'write', description: 'Manage Copilot settings.' },
  'manage_billing:copilot': { risk: 'admin', description: 'Manage Copilot seats and billing.' },
  'write:discussion': { risk: 'write', description: 'Write team discussions.' },
  'read:discussion': { risk: 'read', description: 'Read team discussions.' },
  site_admin: { risk: 'admin', description: 'GitHub Enterprise Server site administration.' },
};

/** The X-OAuth-Scopes header ("repo, workflow") as grants; unknown scopes are weighed by their words. */
export function classicGrants(header: string): Grant[] {
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((scope) => {
      const known = CLASSIC[scope];
      return known ? { scope, risk: known.risk, description: known.description } : { scope, risk: riskFromWords(scope) };
    });
}

/**
 * The account's role on a repository (the `permissions` object of a repository the token can
 * see), as the most a token could do there.
 */
export function roleRisk(permissions: Record<string, unknown> | undefined): { role: string; risk: Risk } {
  const p = permissions ?? {};
  if (p.admin) return { role: 'admin', risk: 'admin' };
  if (p.maintain) return { role: 'maintain', risk: 'write' };
  if (p.push) return { role: 'push', risk: 'write' };
  if (p.triage) return { role: 'triage', risk: 'write' };
  return { role: 'pull', risk: 'read' };
}
