// Reading the account through an IamBackend: every page of GetAccountAuthorizationDetails, the
// tags of grantflow's own policies (that API leaves policy tags out), and the credential report,
// which IAM generates asynchronously (so it is requested, then polled).
import { collectPages, isCloudError, paginate } from '../../cloud/index.ts';
import type { AccountAuthorizationDetails, IamBackend } from '../../cloud/index.ts';
import type { AccountSnapshot } from '../../analyze/index.ts';
import type { ProgressListener } from '../types.ts';
import { authorizationDetailsSnapshot } from './authorization-details.ts';
import { readCredentialReport } from './credential-report.ts';

export const GRANTFLOW_POLICY_PATH = '/grantflow/';

export interface LiveSourceOptions {
  /** Read the credential report too (default true). */
  readonly credentialReport?: boolean;
  /** How many times to poll for the credential report before giving up (default 30). */
  readonly reportAttempts?: number;
  /** Waits between polls; injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pollIntervalMs?: number;
  readonly onProgress?: ProgressListener;
  /** Shown in reports; default `the IAM backend`. */
  readonly source?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function loadLiveAccount(
  backend: IamBackend,
  options: LiveSourceOptions = {},
): Promise<AccountSnapshot> {
  const identity = await backend.getCallerIdentity();
  const pages: Record<string, unknown>[] = [];
  for await (const page of paginate(
    (input: { MaxItems: number; Marker?: string }) => backend.getAccountAuthorizationDetails(input),
    { MaxItems: 1000 },
  )) {
    pages.push(await withGrantflowTags(backend, page));
    options.onProgress?.({ phase: 'reading the account', done: pages.length, total: pages.length + 1 });
  }
  const report = options.credentialReport === false ? undefined : await credentialReport(backend, options);
  return authorizationDetailsSnapshot(pages, {
    source: options.source ?? 'the IAM backend',
    accountId: identity.Account,
    ...(report ? { credentialReport: report } : {}),
  });
}

/** GetAccountAuthorizationDetails has no policy tags; grantflow's expiry is a tag, so fetch those. */
async function withGrantflowTags(
  backend: IamBackend,
  page: AccountAuthorizationDetails,
): Promise<Record<string, unknown>> {
  const policies = await Promise.all(
    page.Policies.map(async (p) => {
      if (!p.Path.startsWith(GRANTFLOW_POLICY_PATH)) return p;
      const tags = await collectPages(
        (input: { PolicyArn: string; Marker?: string }) => backend.listPolicyTags(input),
        { PolicyArn: p.Arn },
        (t) => t.Tags,
      );
      return { ...p, Tags: tags };
    }),
  );
  return { ...page, Policies: policies };
}

async function credentialReport(backend: IamBackend, options: LiveSourceOptions) {
  const sleep = options.sleep ?? defaultSleep;
  const attempts = options.reportAttempts ?? 30;
  const interval = options.pollIntervalMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    const state = (await backend.generateCredentialReport()).State;
    if (state === 'COMPLETE') {
      try {
        const report = await backend.getCredentialReport();
        return readCredentialReport(new TextDecoder().decode(report.Content), {
          source: 'the credential report',
          generatedAt: report.GeneratedTime,
        });
      } catch (err) {
        // IAM may still be writing the report it said was complete.
        if (!isCloudError(err, 'ReportInProgress') && !isCloudError(err, 'ReportNotPresent')) throw err;
      }
    }
    if (attempt >= attempts) {
      throw new Error(`the credential report was not ready after ${attempts} attempts`);
    }
    await sleep(interval);
  }
}
