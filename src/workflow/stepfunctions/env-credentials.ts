// AWS SDK credentials from a given environment, for the Step Functions client and the database
// secret's: the keys it holds, or nothing (the SDK's usual chain). A passed-in environment, not
// process.env, so that tests and other hosts can give their own.
type Env = Readonly<Record<string, string | undefined>>;

interface EnvCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** `{ credentials }` from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), or `{}`. */
export function credentialsFromEnv(env: Env): { credentials?: EnvCredentials } {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return {};
  return {
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
  };
}
