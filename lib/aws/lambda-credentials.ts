import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@aws-sdk/types';

// The deployed bundles put this module in place of `@aws-sdk/credential-provider-node` (the `alias` of
// serverless.yml `custom.esbuild`). The SDK's default chain also knows SSO, shared ini files, credential
// processes, web identity tokens and EC2 instance metadata, and bundling it adds ~34 KB gzip (the SSO,
// SSO-OIDC, STS and sign-in clients it may call) to every function. A Lambda function gets its role's
// credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and
// an execution environment that serves them over HTTP instead says so in
// AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI; those two are the sources kept, in the default
// chain's order. Tests and scripts run from node_modules and keep the whole chain.

/** What the SDK passes to its credential provider factory (a subset of the default chain's init). */
export interface LambdaCredentialsInit {
  logger?: Logger;
  timeout?: number;
  maxRetries?: number;
}

/** No source had credentials; `tryNextLink: false` makes the SDK stop and report it. */
export class CredentialsUnavailableError extends Error {
  override name = 'CredentialsProviderError';
  readonly tryNextLink = false;
}

/**
 * The execution environment's credentials: the environment variables first, then the container
 * endpoint when one is configured. Same exports as `@aws-sdk/credential-provider-node`.
 */
export const defaultProvider =
  (init: LambdaCredentialsInit = {}): AwsCredentialIdentityProvider =>
  async (): Promise<AwsCredentialIdentity> => {
    try {
      return await fromEnv({ logger: init.logger })();
    } catch {
      // fromHttp reads AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI itself, and fails at once without them.
      try {
        return await fromHttp({ logger: init.logger, timeout: init.timeout ?? 1000, maxRetries: init.maxRetries ?? 3 })();
      } catch (e) {
        throw new CredentialsUnavailableError(
          'No AWS credentials: this build reads them from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (as Lambda sets them) or a container credentials endpoint, and neither had any.',
          { cause: e },
        );
      }
    }
  };

/** As in the default chain: credentials that expire need refreshing. */
export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity): boolean => credentials?.expiration !== undefined;

/** As in the default chain: credentials within five minutes of expiry are treated as expired. */
export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
