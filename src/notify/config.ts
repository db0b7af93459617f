// The notifier's configuration: a plain object (from code or a JSON file) and environment
// variables, mapping each audience to its channels. Everything is checked up front and every
// problem is reported with the field (or variable) it comes from; secret values (webhook URLs,
// HMAC secrets, SMTP passwords) are never repeated in an error.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { IamBackend } from '../cloud/types.ts';
import type { Channel } from './channel.ts';
import {
  emailChannel,
  addressFromTemplate,
  isEmailAddress,
  isMailbox,
  unknownTemplateFields,
} from './channels/email.ts';
import type { SmtpSecurity, SmtpSettings } from './channels/email.ts';
import { logChannel } from './channels/log.ts';
import type { LineSink } from './channels/log.ts';
import { slackChannel } from './channels/slack.ts';
import { snsChannel } from './channels/sns.ts';
import { webhookChannel } from './channels/webhook.ts';
import { AUDIENCES, CompositeNotifier, DEFAULT_CHANNEL_TIMEOUT_MS } from './composite.ts';
import type { Route } from './composite.ts';
import { ChannelError, NotifyConfigError } from './errors.ts';
import type { FieldProblem } from './errors.ts';
import { DEFAULT_RETRY } from './http.ts';
import type { RetryPolicy } from './http.ts';
import { redactor } from './secrets.ts';
import type { Audience, Notification } from './types.ts';

/** Resolves the addresses for a notification, e.g. the requester's from a directory. */
export type RecipientResolver = (
  notification: Notification,
) => string | readonly string[] | undefined | Promise<string | readonly string[] | undefined>;

export type Recipients = string | readonly string[] | { readonly template: string } | RecipientResolver;

interface SpecBase {
  /** Distinguishes two channels of one type for the same audience; the id is `<audience>.<name>`. */
  readonly name?: string;
  /** This channel's time budget, retries included. */
  readonly timeoutMs?: number;
}

export type ChannelSpec =
  | (SpecBase & { readonly type: 'log'; readonly stream?: 'stderr' | 'stdout' })
  | (SpecBase & { readonly type: 'sns'; readonly topicArn: string })
  | (SpecBase & { readonly type: 'slack'; readonly url: string; readonly retry?: Partial<RetryPolicy> })
  | (SpecBase & {
      readonly type: 'webhook';
      readonly url: string;
      readonly secret: string;
      readonly retry?: Partial<RetryPolicy>;
    })
  | (SpecBase & {
      readonly type: 'email';
      /**
       * Fixed addresses, a `{template}` (`{requester}`, `{name}`, `{account}`) or a function.
       * Default for the requester audience: `{ template: '{requester}' }` (the requester is an address).
       */
      readonly to?: Recipients;
      readonly from?: string;
      readonly smtp?: SmtpSettings;
    });

export interface NotifyConfigInput {
  /** Each channel's time budget unless it sets its own. Default 15 s. */
  readonly timeoutMs?: number;
  /** The log channel, which serves every audience: on (stderr) unless `false`. */
  readonly log?: false | { readonly stream?: 'stderr' | 'stdout' };
  /** Defaults for every email channel. */
  readonly email?: { readonly from?: string; readonly smtp?: SmtpSettings };
  readonly audiences?: Partial<Record<Audience, readonly ChannelSpec[]>>;
}

/** A checked configuration: one entry per channel, ready to build. */
export interface NotifyConfig {
  readonly timeoutMs: number;
  readonly routes: readonly RouteSpec[];
}

export interface RouteSpec {
  readonly id: string;
  /** Where it was configured, e.g. `audiences.admins[0]`, for errors. */
  readonly source: string;
  readonly audiences: readonly Audience[];
  readonly spec: ChannelSpec;
}

export interface NotifierDeps {
  /** For SNS channels: the IamBackend whose Publish they use. */
  readonly backend?: Pick<IamBackend, 'publish'>;
  readonly stderr?: LineSink;
  readonly stdout?: LineSink;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

// ── Checking ──────────────────────────────────────────────────────────────────────────────────

/** Where an environment variable supplied a field, so errors name the variable. */
const envOrigin = new WeakMap<object, Readonly<Record<string, string>>>();

class Problems {
  readonly list: FieldProblem[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
}

type Obj = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function label(owner: object, key: string, path: string): string {
  return envOrigin.get(owner)?.[key] ?? path;
}

function checkKeys(value: Obj, allowed: readonly string[], path: string, problems: Problems): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      problems.add(join(path, key), `unknown field; expected one of ${allowed.join(', ')}`);
    }
  }
}

function checkInteger(
  owner: Obj,
  key: string,
  path: string,
  problems: Problems,
  min: number,
  max: number,
): number | undefined {
  const value = owner[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add(label(owner, key, join(path, key)), `must be a whole number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https only, except on this machine (a local relay or a test receiver). Never echoes the URL. */
function checkHttpUrl(owner: Obj, key: string, path: string, problems: Problems): void {
  const field = label(owner, key, `${path}.${key}`);
  const value = owner[key];
  if (typeof value !== 'string' || value === '') return problems.add(field, 'is required (an https URL)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problems.add(field, 'is not a valid URL');
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return;
  problems.add(field, 'must be an https URL (plain http is allowed only for 127.0.0.1, ::1 and localhost)');
}

function checkRetry(owner: Obj, path: string, problems: Problems): void {
  const retry = owner.retry;
  if (retry === undefined) return;
  const field = `${path}.retry`;
  if (!isObject(retry)) return problems.add(field, 'must be an object');
  checkKeys(retry, Object.keys(DEFAULT_RETRY), field, problems);
  checkInteger(retry, 'maxRetries', field, problems, 0, 10);
  checkInteger(retry, 'baseDelayMs', field, problems, 0, 60_000);
  checkInteger(retry, 'maxDelayMs', field, problems, 0, 600_000);
  checkInteger(retry, 'maxRetryAfterMs', field, problems, 0, 3_600_000);
}

const SECURITIES: readonly SmtpSecurity[] = ['starttls', 'tls', 'none'];

function checkSmtp(smtp: unknown, path: string, problems: Problems): void {
  if (!isObject(smtp)) return problems.add(path, 'must be an object with at least url');
  checkKeys(
    smtp,
    ['url', 'security', 'user', 'password', 'ca', 'rejectUnauthorized', 'clientName', 'timeoutMs'],
    path,
    problems,
  );
  const urlField = label(smtp, 'url', `${path}.url`);
  let url: URL | undefined;
  if (typeof smtp.url !== 'string' || smtp.url === '') {
    problems.add(urlField, 'is required (smtp://host:port or smtps://host:port)');
  } else {
    try {
      url = new URL(smtp.url);
    } catch {
      problems.add(urlField, 'is not a valid URL (smtp://host:port or smtps://host:port)');
    }
    if (url && url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      problems.add(urlField, `must start with smtp:// or smtps://, not ${url.protocol}//`);
      url = undefined;
    } else if (
      url &&
      (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '')
    ) {
      problems.add(urlField, 'must be smtp[s]://[user:password@]host[:port] with nothing after the port');
      url = undefined;
    }
  }
  if (smtp.security !== undefined && !SECURITIES.includes(smtp.security as SmtpSecurity)) {
    problems.add(label(smtp, 'security', `${path}.security`), `must be one of ${SECURITIES.join(', ')}`);
  }
  for (const key of ['user', 'password', 'clientName'] as const) {
    if (smtp[key] !== undefined && (typeof smtp[key] !== 'string' || smtp[key] === '')) {
      problems.add(label(smtp, key, `${path}.${key}`), 'must be a non-empty string');
    }
  }
  if (smtp.password !== undefined && smtp.user === undefined && !url?.username) {
    problems.add(label(smtp, 'password', `${path}.password`), 'is set but user is not');
  }
  if (
    smtp.ca !== undefined &&
    (typeof smtp.ca !== 'string' || !smtp.ca.includes('-----BEGIN CERTIFICATE-----'))
  ) {
    problems.add(label(smtp, 'ca', `${path}.ca`), 'must be PEM text with at least one certificate');
  }
  if (smtp.rejectUnauthorized !== undefined && typeof smtp.rejectUnauthorized !== 'boolean') {
    problems.add(`${path}.rejectUnauthorized`, 'must be true or false');
  }
  checkInteger(smtp, 'timeoutMs', path, problems, 100, 600_000);
  const security = smtp.security ?? (url?.protocol === 'smtps:' ? 'tls' : 'starttls');
  const hasPassword = smtp.password !== undefined || (url !== undefined && url.password !== '');
  if (security === 'none' && hasPassword && url && !LOOPBACK.has(url.hostname)) {
    problems.add(
      label(smtp, 'security', `${path}.security`),
      'is none, which would send the SMTP password unencrypted; use starttls or tls',
    );
  }
}

function checkRecipients(spec: Obj, audience: Audience, path: string, problems: Problems): void {
  const field = label(spec, 'to', `${path}.to`);
  const to = spec.to;
  if (to === undefined) {
    if (audience !== 'requester')
      problems.add(field, `is required for the ${audience} audience (a list of addresses)`);
    return;
  }
  if (typeof to === 'function') return;
  if (typeof to === 'string' || Array.isArray(to)) {
    const list: unknown[] = typeof to === 'string' ? [to] : to;
    if (list.length === 0) problems.add(field, 'must list at least one address');
    list.forEach((a, i) => {
      if (typeof a !== 'string' || !isEmailAddress(a)) {
        problems.add(
          Array.isArray(to) ? `${field}[${i}]` : field,
          `${JSON.stringify(a)} is not an email address`,
        );
      }
    });
    return;
  }
  if (isObject(to)) {
    checkKeys(to, ['template'], field, problems);
    const templateField = envOrigin.get(spec)?.to ?? `${field}.template`;
    if (typeof to.template !== 'string' || to.template === '') {
      return problems.add(templateField, 'must be a non-empty string');
    }
    const unknown = unknownTemplateFields(to.template);
    if (unknown.length > 0) {
      problems.add(
        templateField,
        `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; use {requester}, {name} or {account}`,
      );
    } else if (!isEmailAddress(addressFromTemplate(to.template, 'arn:aws:iam::123456789012:user/alice'))) {
      problems.add(templateField, 'does not make an email address, e.g. {name}@example.com or {requester}');
    }
    return;
  }
  problems.add(field, 'must be an address, a list of addresses, {"template": "..."} or a function');
}

function checkSpec(
  raw: unknown,
  audience: Audience,
  path: string,
  problems: Problems,
  defaults: NotifyConfigInput['email'],
): void {
  if (!isObject(raw)) return problems.add(path, 'must be an object with a type');
  const common = ['type', 'name', 'timeoutMs'];
  if (
    raw.name !== undefined &&
    (typeof raw.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(raw.name))
  ) {
    problems.add(`${path}.name`, 'must be letters, digits, _ or - (at most 64)');
  }
  checkInteger(raw, 'timeoutMs', path, problems, 100, 600_000);
  switch (raw.type) {
    case 'log':
      checkKeys(raw, [...common, 'stream'], path, problems);
      if (raw.stream !== undefined && raw.stream !== 'stderr' && raw.stream !== 'stdout') {
        problems.add(`${path}.stream`, 'must be stderr or stdout');
      }
      return;
    case 'sns': {
      checkKeys(raw, [...common, 'topicArn'], path, problems);
      const field = label(raw, 'topicArn', `${path}.topicArn`);
      if (typeof raw.topicArn !== 'string' || raw.topicArn === '') {
        problems.add(field, 'is required (arn:aws:sns:<region>:<account>:<topic>)');
      } else if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(raw.topicArn)) {
        problems.add(
          field,
          `${JSON.stringify(raw.topicArn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`,
        );
      }
      return;
    }
    case 'slack':
      checkKeys(raw, [...common, 'url', 'retry'], path, problems);
      checkHttpUrl(raw, 'url', path, problems);
      checkRetry(raw, path, problems);
      return;
    case 'webhook': {
      checkKeys(raw, [...common, 'url', 'secret', 'retry'], path, problems);
      checkHttpUrl(raw, 'url', path, problems);
      checkRetry(raw, path, problems);
      const field = label(raw, 'secret', `${path}.secret`);
      if (typeof raw.secret !== 'string' || raw.secret === '') {
        problems.add(field, 'is required (the HMAC key shared with the receiver)');
      } else if (raw.secret.length < 16) {
        problems.add(field, 'must be at least 16 characters (use a random value, e.g. 32 bytes in hex)');
      }
      return;
    }
    case 'email': {
      checkKeys(raw, [...common, 'to', 'from', 'smtp'], path, problems);
      checkRecipients(raw, audience, path, problems);
      if (raw.from === undefined && defaults?.from === undefined) {
        problems.add(`${path}.from`, 'is required here or in email.from');
      } else if (raw.from !== undefined && (typeof raw.from !== 'string' || !isMailbox(raw.from))) {
        problems.add(`${path}.from`, 'must be an address or "Name <address>"');
      }
      if (raw.smtp !== undefined) checkSmtp(raw.smtp, `${path}.smtp`, problems);
      else if (defaults?.smtp === undefined)
        problems.add(`${path}.smtp`, 'is required here or in email.smtp');
      return;
    }
    default:
      problems.add(`${path}.type`, 'must be one of log, sns, slack, webhook, email');
  }
}

/** Checks a configuration object (from code or JSON) and lists its channels with their ids. */
export function parseNotifyConfig(input: unknown): NotifyConfig {
  const problems = new Problems();
  if (input === undefined) input = {};
  if (!isObject(input)) throw new NotifyConfigError([{ field: '(root)', message: 'must be an object' }]);
  checkKeys(input, ['timeoutMs', 'log', 'email', 'audiences'], '', problems);
  const timeoutMs = checkInteger(input, 'timeoutMs', '', problems, 100, 600_000);
  const log = input.log;
  if (log !== undefined && log !== false) {
    if (!isObject(log))
      problems.add(label(input, 'log', 'log'), 'must be false or an object like {"stream": "stderr"}');
    else {
      checkKeys(log, ['stream'], 'log', problems);
      if (log.stream !== undefined && log.stream !== 'stderr' && log.stream !== 'stdout') {
        problems.add(label(log, 'stream', 'log.stream'), 'must be stderr or stdout');
      }
    }
  }
  const email = input.email;
  if (email !== undefined) {
    if (!isObject(email)) problems.add('email', 'must be an object with from and smtp');
    else {
      checkKeys(email, ['from', 'smtp'], 'email', problems);
      if (email.from !== undefined && (typeof email.from !== 'string' || !isMailbox(email.from))) {
        problems.add(label(email, 'from', 'email.from'), 'must be an address or "Name <address>"');
      }
      if (email.smtp !== undefined) checkSmtp(email.smtp, 'email.smtp', problems);
    }
  }
  const routes: RouteSpec[] = [];
  if (log !== false) {
    const stream = isObject(log) && log.stream === 'stdout' ? 'stdout' : 'stderr';
    routes.push({ id: 'log', source: 'log', audiences: AUDIENCES, spec: { type: 'log', stream } });
  }
  const audiences = input.audiences;
  if (audiences !== undefined) {
    if (!isObject(audiences)) problems.add('audiences', `must be an object with ${AUDIENCES.join(', ')}`);
    else {
      checkKeys(audiences, AUDIENCES, 'audiences', problems);
      for (const audience of AUDIENCES) {
        const specs = audiences[audience];
        if (specs === undefined) continue;
        const path = `audiences.${audience}`;
        if (!Array.isArray(specs)) {
          problems.add(path, 'must be a list of channels');
          continue;
        }
        specs.forEach((raw: unknown, i: number) => {
          const before = problems.list.length;
          checkSpec(
            raw,
            audience,
            `${path}[${i}]`,
            problems,
            isObject(email) ? (email as NotifyConfigInput['email']) : undefined,
          );
          if (problems.list.length > before || !isObject(raw)) return;
          const spec = raw as unknown as ChannelSpec;
          const id = `${audience}.${spec.name ?? spec.type}`;
          if (routes.some((r) => r.id === id)) {
            problems.add(
              `${path}[${i}].name`,
              `another ${audience} channel is already called "${spec.name ?? spec.type}"; give each a distinct name`,
            );
            return;
          }
          routes.push({ id, source: `${path}[${i}]`, audiences: [audience], spec });
        });
      }
    }
  }
  if (problems.list.length > 0) throw new NotifyConfigError(problems.list);
  return { timeoutMs: timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS, routes };
}

// ── Environment ───────────────────────────────────────────────────────────────────────────────

type Env = Readonly<Record<string, string | undefined>>;

const ENV = 'GRANTFLOW_NOTIFY_';

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function audienceList(env: Env, name: string, fallback: readonly Audience[], problems: Problems): Audience[] {
  const value = env[name];
  if (value === undefined || value.trim() === '') return [...fallback];
  const out: Audience[] = [];
  for (const a of list(value)) {
    if ((AUDIENCES as readonly string[]).includes(a)) out.push(a as Audience);
    else problems.add(name, `unknown audience "${a}": use ${AUDIENCES.join(', ')}`);
  }
  return out;
}

function withOrigin<T extends object>(value: T, origin: Record<string, string>): T {
  envOrigin.set(value, origin);
  return value;
}

/**
 * The configuration the environment describes, for `parseNotifyConfig` (merged onto `base`,
 * e.g. a file's, by appending channels). Variables:
 *
 * - GRANTFLOW_NOTIFY_LOG = stderr | stdout | off; GRANTFLOW_NOTIFY_TIMEOUT_MS
 * - GRANTFLOW_NOTIFY_SNS_TOPIC_REQUESTER / _APPROVERS / _ADMINS = topic ARN
 * - GRANTFLOW_NOTIFY_SLACK_URL, GRANTFLOW_NOTIFY_SLACK_AUDIENCES (default approvers,admins)
 * - GRANTFLOW_NOTIFY_WEBHOOK_URL, GRANTFLOW_NOTIFY_WEBHOOK_SECRET,
 *   GRANTFLOW_NOTIFY_WEBHOOK_AUDIENCES (default requester,approvers,admins)
 * - GRANTFLOW_NOTIFY_SMTP_URL, _SMTP_USER, _SMTP_PASSWORD, _SMTP_SECURITY (starttls|tls|none),
 *   GRANTFLOW_NOTIFY_SMTP_CA (PEM; loadNotifyConfig also reads GRANTFLOW_NOTIFY_SMTP_CA_FILE),
 *   GRANTFLOW_NOTIFY_EMAIL_FROM, GRANTFLOW_NOTIFY_EMAIL_APPROVERS / _ADMINS (comma-separated),
 *   GRANTFLOW_NOTIFY_EMAIL_REQUESTER (a template such as {name}@example.com)
 */
export function notifyConfigFromEnv(env: Env, base: NotifyConfigInput = {}): NotifyConfigInput {
  const problems = new Problems();
  const audiences: Record<Audience, ChannelSpec[]> = {
    requester: [...(base.audiences?.requester ?? [])],
    approvers: [...(base.audiences?.approvers ?? [])],
    admins: [...(base.audiences?.admins ?? [])],
  };
  let log = base.log;
  const logEnv = env[`${ENV}LOG`];
  if (logEnv !== undefined && logEnv !== '') {
    if (logEnv === 'off') log = false;
    else if (logEnv === 'stderr' || logEnv === 'stdout') log = { stream: logEnv };
    else problems.add(`${ENV}LOG`, 'must be stderr, stdout or off');
  }
  let timeoutMs = base.timeoutMs;
  const timeoutEnv = env[`${ENV}TIMEOUT_MS`];
  if (timeoutEnv !== undefined && timeoutEnv !== '') {
    if (!/^\d+$/.test(timeoutEnv)) problems.add(`${ENV}TIMEOUT_MS`, 'must be a whole number of milliseconds');
    else timeoutMs = Number(timeoutEnv);
  }
  for (const audience of AUDIENCES) {
    const name = `${ENV}SNS_TOPIC_${audience.toUpperCase()}`;
    const topicArn = env[name];
    if (topicArn) audiences[audience].push(withOrigin({ type: 'sns', topicArn }, { topicArn: name }));
  }
  const slackUrl = env[`${ENV}SLACK_URL`];
  if (slackUrl) {
    for (const audience of audienceList(env, `${ENV}SLACK_AUDIENCES`, ['approvers', 'admins'], problems)) {
      audiences[audience].push(withOrigin({ type: 'slack', url: slackUrl }, { url: `${ENV}SLACK_URL` }));
    }
  }
  const webhookUrl = env[`${ENV}WEBHOOK_URL`];
  const webhookSecret = env[`${ENV}WEBHOOK_SECRET`];
  if (webhookUrl || webhookSecret) {
    for (const audience of audienceList(env, `${ENV}WEBHOOK_AUDIENCES`, AUDIENCES, problems)) {
      audiences[audience].push(
        withOrigin(
          { type: 'webhook', url: webhookUrl ?? '', secret: webhookSecret ?? '' },
          { url: `${ENV}WEBHOOK_URL`, secret: `${ENV}WEBHOOK_SECRET` },
        ),
      );
    }
  }
  let email = base.email;
  const smtpUrl = env[`${ENV}SMTP_URL`];
  const from = env[`${ENV}EMAIL_FROM`];
  if (smtpUrl || from) {
    const smtp: Record<string, unknown> = { ...(email?.smtp ?? {}) };
    const origin: Record<string, string> = {};
    const set = (key: string, variable: string) => {
      const value = env[variable];
      if (value === undefined || value === '') return;
      smtp[key] = value;
      origin[key] = variable;
    };
    set('url', `${ENV}SMTP_URL`);
    set('user', `${ENV}SMTP_USER`);
    set('password', `${ENV}SMTP_PASSWORD`);
    set('security', `${ENV}SMTP_SECURITY`);
    set('ca', `${ENV}SMTP_CA`);
    if (smtp.url === undefined) origin.url = `${ENV}SMTP_URL`;
    const emailDefaults = withOrigin(
      {
        ...(email ?? {}),
        ...(from ? { from } : {}),
        smtp: withOrigin(smtp as unknown as SmtpSettings, origin),
      },
      from ? { from: `${ENV}EMAIL_FROM` } : {},
    );
    email = emailDefaults;
  }
  for (const audience of ['approvers', 'admins'] as const) {
    const name = `${ENV}EMAIL_${audience.toUpperCase()}`;
    const value = env[name];
    if (value) audiences[audience].push(withOrigin({ type: 'email', to: list(value) }, { to: name }));
  }
  const requesterTemplate = env[`${ENV}EMAIL_REQUESTER`];
  if (requesterTemplate) {
    audiences.requester.push(
      withOrigin({ type: 'email', to: { template: requesterTemplate } }, { to: `${ENV}EMAIL_REQUESTER` }),
    );
  }
  if (problems.list.length > 0) throw new NotifyConfigError(problems.list);
  const present = AUDIENCES.filter((a) => audiences[a].length > 0);
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(log !== undefined ? { log } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(present.length > 0 ? { audiences: Object.fromEntries(present.map((a) => [a, audiences[a]])) } : {}),
  };
}

/**
 * The configuration for a process: GRANTFLOW_NOTIFY_CONFIG (JSON text, or the path of a JSON
 * file, relative to `cwd`) with the variables of `notifyConfigFromEnv` added, checked.
 */
export async function loadNotifyConfig(options: {
  readonly env: Env;
  readonly cwd: string;
}): Promise<NotifyConfig> {
  const source = options.env[`${ENV}CONFIG`];
  let base: NotifyConfigInput = {};
  if (source !== undefined && source.trim() !== '') {
    let text = source;
    if (!source.trim().startsWith('{')) {
      const path = isAbsolute(source) ? source : resolve(options.cwd, source);
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new NotifyConfigError([
          {
            field: `${ENV}CONFIG`,
            message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          },
        ]);
      }
    }
    try {
      base = JSON.parse(text) as NotifyConfigInput;
    } catch (err) {
      throw new NotifyConfigError([
        { field: `${ENV}CONFIG`, message: `is not valid JSON: ${(err as Error).message}` },
      ]);
    }
    // Check the file alone first, so its problems name its own fields.
    parseNotifyConfig(base);
  }
  let env = options.env;
  const caFile = env[`${ENV}SMTP_CA_FILE`];
  if (caFile !== undefined && caFile !== '' && env[`${ENV}SMTP_CA`] === undefined) {
    const path = isAbsolute(caFile) ? caFile : resolve(options.cwd, caFile);
    try {
      env = { ...env, [`${ENV}SMTP_CA`]: await readFile(path, 'utf8') };
    } catch (err) {
      throw new NotifyConfigError([
        {
          field: `${ENV}SMTP_CA_FILE`,
          message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        },
      ]);
    }
  }
  return parseNotifyConfig(notifyConfigFromEnv(env, base));
}

// ── Building ──────────────────────────────────────────────────────────────────────────────────

/** The composite notifier for a configuration (checked here when given as a plain object). */
export function createNotifier(
  config: NotifyConfig | NotifyConfigInput,
  deps: NotifierDeps = {},
): CompositeNotifier {
  const checked = isChecked(config) ? config : parseNotifyConfig(config);
  const email = isChecked(config) ? undefined : config.email;
  const problems = new Problems();
  const routes: Route[] = [];
  checked.routes.forEach((r) => {
    const built = buildChannel(r, deps, email, problems);
    if (built) {
      routes.push({
        id: r.id,
        audiences: r.audiences,
        channel: built.channel,
        redact: built.redact,
        ...(r.spec.timeoutMs !== undefined ? { timeoutMs: r.spec.timeoutMs } : {}),
      });
    }
  });
  if (problems.list.length > 0) throw new NotifyConfigError(problems.list);
  return new CompositeNotifier(routes, { timeoutMs: checked.timeoutMs });
}

function isChecked(config: NotifyConfig | NotifyConfigInput): config is NotifyConfig {
  return Array.isArray((config as NotifyConfig).routes);
}

function buildChannel(
  route: RouteSpec,
  deps: NotifierDeps,
  emailDefaults: NotifyConfigInput['email'],
  problems: Problems,
): { channel: Channel; redact: (t: string) => string } | undefined {
  const spec = route.spec;
  const retry = (partial?: Partial<RetryPolicy>): RetryPolicy => ({ ...DEFAULT_RETRY, ...partial });
  const clock = deps.now ? { now: deps.now } : {};
  switch (spec.type) {
    case 'log': {
      const stream =
        spec.stream === 'stdout' ? (deps.stdout ?? process.stdout) : (deps.stderr ?? process.stderr);
      return { channel: logChannel({ stream, ...clock }), redact: (t) => t };
    }
    case 'sns':
      if (!deps.backend) {
        problems.add(
          route.source,
          'an SNS channel needs the IamBackend (createNotifier(config, { backend }))',
        );
        return undefined;
      }
      return { channel: snsChannel({ backend: deps.backend, topicArn: spec.topicArn }), redact: (t) => t };
    case 'slack':
      return {
        channel: slackChannel({ url: spec.url, retry: retry(spec.retry) }),
        redact: redactor([spec.url]),
      };
    case 'webhook':
      return {
        channel: webhookChannel({
          url: spec.url,
          secret: spec.secret,
          retry: retry(spec.retry),
          ...clock,
          ...(deps.newId ? { newId: deps.newId } : {}),
        }),
        redact: redactor([spec.url, spec.secret]),
      };
    case 'email': {
      const smtp = (spec.smtp ?? emailDefaults?.smtp) as SmtpSettings;
      const from = (spec.from ?? emailDefaults?.from) as string;
      return {
        channel: emailChannel({
          smtp,
          from,
          recipients: recipientsFor(spec.to, route.audiences[0] as Audience),
        }),
        redact: redactor([smtp.url, smtp.password]),
      };
    }
  }
}

function recipientsFor(
  to: Recipients | undefined,
  audience: Audience,
): (n: Notification) => Promise<readonly string[]> {
  const effective = to ?? { template: '{requester}' };
  return async (notification) => {
    let result: string | readonly string[] | undefined;
    if (typeof effective === 'function') result = await effective(notification);
    else if (typeof effective === 'string' || Array.isArray(effective))
      result = effective as string | readonly string[];
    else {
      if (notification.requester === undefined) return [];
      result = addressFromTemplate((effective as { template: string }).template, notification.requester);
    }
    const list = result === undefined ? [] : typeof result === 'string' ? [result] : [...result];
    const bad = list.find((a) => !isEmailAddress(a));
    if (bad !== undefined) {
      throw new ChannelError(
        'undeliverable',
        `the ${audience} address ${JSON.stringify(bad)} is not an email address`,
      );
    }
    return list;
  };
}
