/** The headers GitHub asks every REST call to send: its media type and the pinned API version. */
export const GITHUB_API_VERSION = '2022-11-28';
export const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': GITHUB_API_VERSION } as const;
