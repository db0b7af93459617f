// The tasks function's database URL, read from AWS Secrets Manager. The deployed template gives the
// function the secret's ARN (GRANTFLOW_DATABASE_URL_SECRET), not the URL: the database password is
// then neither in the function's configuration, which lambda:GetFunctionConfiguration shows, nor in
// the stack's parameters. The secret's text (SecretString) is the URL itself.
import { credentialsFromEnv } from './env-credentials.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** A secret's ARN; its region is where the secret must be read. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;
const DATABASE_URL = /^(postgres|postgresql|mysql):\/\/\S+$/;

/** The secret could not be read, or does not hold a database URL. Never carries the secret's value. */
export class DatabaseSecretError extends Error {}

/**
 * The database URL held by the secret `secretId` (an ARN or a name), read with the credentials of
 * the environment (the function's role on Lambda). AWS_ENDPOINT_URL_SECRETS_MANAGER or
 * AWS_ENDPOINT_URL send the call elsewhere, as the AWS SDKs do.
 */
export async function databaseUrlFromSecret(secretId: string, env: Env): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const region = SECRET_ARN.exec(secretId)?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined) {
    throw new DatabaseSecretError(
      `cannot tell the region of the secret ${secretId}: give its ARN, or set AWS_REGION`,
    );
  }
  const endpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL;
  const client = new SecretsManagerClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...credentialsFromEnv(env),
  });
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    const e = err as Error;
    throw new DatabaseSecretError(`cannot read the secret ${secretId}: ${e.name}: ${e.message}`);
  } finally {
    client.destroy();
  }
  const url = text?.trim();
  if (url === undefined || !DATABASE_URL.test(url)) {
    throw new DatabaseSecretError(
      `the secret ${secretId} must hold the database URL as its text (postgres://… or mysql://…)`,
    );
  }
  return url;
}
