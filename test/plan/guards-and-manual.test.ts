
describe('manual places declared by target plugins', () => {
  it('Vercel env: the dashboard link to the project env settings, naming the project and the variable', async () => {
    const { manualPlaceFor } = await import('../../src/integrations/targets.js');
    const place = manualPlaceFor({ type: 'vercel-env', projectId: 'prj_FAKE0001', teamId: 'team_FAKE' }, 'STRIPE_SECRET_KEY');
    expect(place.url).toBe('https://vercel.com/d?to=%2F%5Bteam%5D%2F%5Bproject%5D%2Fsettings%2Fenvironment-variables');
    expect(place.instructions).toContain('prj_FAKE0001');
    expect(place.instructions).toContain('STRIPE_SECRET_KEY');
    expect(place.confirmKey).toBe('vercel-env:prj_FAKE0001:STRIPE_SECRET_KEY');
  });

  it('GitHub Actions environment secrets and GitHub Enterprise pages', async () => {
    const { manualPlaceFor } = await import('../../src/integrations/targets.js');
    const env = manualPlaceFor({ type: 'github-actions', repo: 'acme/api', environment: 'production' }, 'STRIPE_SECRET_KEY');
    expect(env).toMatchObject({ url: 'https://github.com/acme/api/settings/environments', confirmKey: 'github-actions:acme/api:production:STRIPE_SECRET_KEY' });
    const ghe = manualPlaceFor({ type: 'github-actions', repo: 'acme/api', apiUrl: 'https://git.example.com/api/v3' }, 'X');
    expect(ghe.url).toBe('https://git.example.com/acme/api/settings/secrets/actions');
  });
});
