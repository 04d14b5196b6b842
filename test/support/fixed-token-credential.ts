import type { AccessToken, TokenCredential } from '@azure/identity';

/** An Entra credential for tests: always the same token, valid for an hour; reports the scopes asked. */
export function fixedTokenCredential(token: string, onScopes?: (scopes: string[]) => void): TokenCredential {
  return {
    async getToken(scopes): Promise<AccessToken> {
      onScopes?.(Array.isArray(scopes) ? scopes : [scopes]);
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
