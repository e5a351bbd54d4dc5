// A local stand-in for the Bot Framework's token service: an RSA key of its own, its OpenID metadata and signing
// keys served on 127.0.0.1, and a signer for the JWTs Teams puts on every activity it posts to the bot. The app under
// test is configured with this metadata URL and issuer (TEAMS_OPENID_METADATA_URL, TEAMS_TOKEN_ISSUER), so the SDK's
// real token check runs against keys it fetches over HTTP.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The issuer Bot Framework tokens carry in the public cloud. */
export const TEST_TOKEN_ISSUER = 'https://api.botframework.com';

/** The bot's app (client) id in tests: the audience of inbound tokens. */
export const TEST_CLIENT_ID = '5f1c3a52-7d2e-4b8a-9a51-0c2d3e4f5a6b';
export const TEST_TENANT_ID = '8a6d2f10-3c4b-4e5f-9a7b-1c2d3e4f5061';

/** What a test may change about a token to make it bad in one way. */
export interface TokenOptions {
  serviceUrl: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for a token that has expired. */
  expiresIn?: number;
  /** Sign with another key than the published one (a forged token). */
  forged?: boolean;
}

export interface BotFrameworkAuth {
  /** TEAMS_OPENID_METADATA_URL for the app under test. */
  openIdMetadataUrl: string;
  /** A signed Bot Framework JWT for an activity posted from `serviceUrl`. */
  token(options: TokenOptions): string;
  /** How many times the app fetched the signing keys (they are cached). */
  keyFetches(): number;
  close(): Promise<void>;
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = base64url(JSON.stringify(payload));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${body}`), key);
  return `${header}.${body}.${base64url(signature)}`;
}

function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })), publicKey: createPublicKey(privateKey) };
}

/** Starts the token service on 127.0.0.1. */
export async function startBotFrameworkAuth(): Promise<BotFrameworkAuth> {
  const kid = 'stepping-stones-test-key';
  const published = keyPair();
  const other = keyPair();
  const jwk = published.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  let fetches = 0;
  let base = '';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    response.setHeader('content-type', 'application/json');
    if (path === '/v1/.well-known/openidconfiguration') {
      response.end(
        JSON.stringify({
          issuer: TEST_TOKEN_ISSUER,
          authorization_endpoint: `${base}/v1/authorize`,
          jwks_uri: `${base}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        }),
      );
      return;
    }
    if (path === '/v1/.well-known/keys') {
      fetches += 1;
      response.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, alg: 'RS256', endorsements: ['msteams'] }] }));
      return;
    }
    response.statusCode = 404;
    response.end('{}');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    openIdMetadataUrl: `${base}/v1/.well-known/openidconfiguration`,
    token(options) {
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = options.expiresIn ?? 3600;
      return signJwt(
        {
          iss: options.issuer ?? TEST_TOKEN_ISSUER,
          aud: options.audience ?? TEST_CLIENT_ID,
          serviceurl: options.serviceUrl,
          nbf: Math.min(now - 60, now + expiresIn - 120),
          iat: Math.min(now - 60, now + expiresIn - 120),
          exp: now + expiresIn,
        },
        options.forged ? other.privateKey : published.privateKey,
        kid,
      );
    },
    keyFetches: () => fetches,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A decodable three-part JWT for the bot's own outbound calls (never checked by the fake Bot Connector). */
export function outboundTestToken(): string {
  const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ aud: 'https://api.botframework.com', appid: TEST_CLIENT_ID, exp: Math.floor(Date.now() / 1000) + 3600 }));
  return `${header}.${body}.c2lnbmF0dXJl`;
}
