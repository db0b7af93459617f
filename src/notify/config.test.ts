import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier, loadNotifyConfig, notifyConfigFromEnv, parseNotifyConfig } from './config.ts';
import { NotifyConfigError } from './errors.ts';
import type { FieldProblem } from './errors.ts';

const SLACK = 'https://hooks.slack.com/services/T0001/B0001/XXXXsecretXXXX';
const SECRET = 'whsec-abcdefghijklmnop-0123';
const SMTP = { url: 'smtp://mail.example.com:587', user: 'grantflow', password: 'smtp-pass-9876' };

function problems(fn: () => unknown): FieldProblem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NotifyConfigError);
    const e = err as NotifyConfigError;
    for (const secret of [SLACK, 'XXXXsecretXXXX', SECRET, 'smtp-pass-9876', 'short-pw']) {
      expect(e.message).not.toContain(secret);
    }
    return [...e.problems];
  }
  throw new Error('expected a NotifyConfigError');
}

const fields = (list: FieldProblem[]) => list.map((p) => p.field);

describe('parseNotifyConfig', () => {
  it('defaults to the log channel for every audience', () => {
    expect(parseNotifyConfig({})).toEqual({
      timeoutMs: 15_000,
      routes: [
        {
          id: 'log',
          source: 'log',
          audiences: ['requester', 'approvers', 'admins'],
          spec: { type: 'log', stream: 'stderr' },
        },
      ],
    });
    expect(parseNotifyConfig(undefined).routes.map((r) => r.id)).toEqual(['log']);
    expect(parseNotifyConfig({ log: false }).routes).toEqual([]);
    expect(parseNotifyConfig({ log: { stream: 'stdout' } }).routes[0]!.spec).toEqual({
      type: 'log',
      stream: 'stdout',
    });
  });

  it('maps audiences to channels with ids <audience>.<name or type>', () => {
    const config = parseNotifyConfig({
      timeoutMs: 5_000,
      email: { from: 'grantflow <grantflow@example.com>', smtp: SMTP },
      audiences: {
        requester: [{ type: 'email', to: { template: '{name}@example.com' } }],
        approvers: [
          { type: 'slack', url: SLACK },
          { type: 'email', to: ['approver1@example.com', 'approver2@example.com'] },
        ],
        admins: [
          { type: 'sns', topicArn: 'arn:aws:sns:ap-northeast-2:123456789012:admins' },
          { type: 'webhook', url: 'https://siem.example.com/in', secret: SECRET, retry: { maxRetries: 1 } },
          {
            type: 'webhook',
            name: 'local',
            url: 'http://127.0.0.1:9000/hook',
            secret: SECRET,
            timeoutMs: 2_000,
          },
        ],
      },
    });
    expect(config.timeoutMs).toBe(5_000);
    expect(config.routes.map((r) => [r.id, r.audiences])).toEqual([
      ['log', ['requester', 'approvers', 'admins']],
      ['requester.email', ['requester']],
      ['approvers.slack', ['approvers']],
      ['approvers.email', ['approvers']],
      ['admins.sns', ['admins']],
      ['admins.webhook', ['admins']],
      ['admins.local', ['admins']],
    ]);
  });

  it('reports every problem at once, each naming its field, without repeating secrets', () => {
    const list = problems(() =>
      parseNotifyConfig({
        timeoutMs: 0,
        colour: 'blue',
        audiences: {
          everyone: [],
          requester: [{ type: 'pager' }],
          approvers: [
            { type: 'slack', url: SLACK.replace('https:', 'http:') },
            { type: 'slack', url: 'not a url' },
            { type: 'webhook', url: 'https://x.example.com/h', secret: 'short-pw' },
            { type: 'webhook', url: 'https://x.example.com/h' },
          ],
          admins: [
            { type: 'sns', topicArn: 'arn:aws:iam::123456789012:user/bob' },
            { type: 'email', from: 'nobody', smtp: { ...SMTP, url: 'http://mail.example.com' } },
            { type: 'slack', url: SLACK, retry: { maxRetries: 99 }, extra: true },
          ],
        },
      }),
    );
    expect(fields(list)).toEqual([
      'colour',
      'timeoutMs',
      'audiences.everyone',
      'audiences.requester[0].type',
      'audiences.approvers[0].url',
      'audiences.approvers[1].url',
      'audiences.approvers[2].secret',
      'audiences.approvers[3].secret',
      'audiences.admins[0].topicArn',
      'audiences.admins[1].to',
      'audiences.admins[1].from',
      'audiences.admins[1].smtp.url',
      'audiences.admins[2].extra',
      'audiences.admins[2].retry.maxRetries',
    ]);
    expect(list.find((p) => p.field === 'audiences.approvers[0].url')!.message).toMatch(/https/);
    expect(list.find((p) => p.field === 'audiences.admins[1].to')!.message).toMatch(
      /required for the admins audience/,
    );
  });

  it('checks email recipients and templates', () => {
    const email = { from: 'gf@example.com', smtp: SMTP };
    const list = problems(() =>
      parseNotifyConfig({
        email,
        audiences: {
          requester: [
            { type: 'email', name: 'a', to: { template: '{user}@example.com' } },
            { type: 'email', name: 'b', to: { template: 'alice' } },
            { type: 'email', name: 'c', to: { template: '' } },
          ],
          admins: [
            { type: 'email', name: 'd', to: ['ok@example.com', 'not an address'] },
            { type: 'email', name: 'e', to: [] },
            { type: 'email', name: 'f', to: 42 },
          ],
        },
      }),
    );
    expect(list).toEqual([
      {
        field: 'audiences.requester[0].to.template',
        message: expect.stringMatching(/unknown placeholder \{user\}/),
      },
      {
        field: 'audiences.requester[1].to.template',
        message: expect.stringMatching(/does not make an email address/),
      },
      { field: 'audiences.requester[2].to.template', message: 'must be a non-empty string' },
      { field: 'audiences.admins[0].to[1]', message: '"not an address" is not an email address' },
      { field: 'audiences.admins[1].to', message: 'must list at least one address' },
      { field: 'audiences.admins[2].to', message: expect.stringMatching(/must be an address/) },
    ]);
  });

  it('refuses to send an SMTP password unencrypted except to this machine', () => {
    const list = problems(() =>
      parseNotifyConfig({ email: { from: 'gf@example.com', smtp: { ...SMTP, security: 'none' } } }),
    );
    expect(list).toEqual([{ field: 'email.smtp.security', message: expect.stringMatching(/unencrypted/) }]);
    expect(() =>
      parseNotifyConfig({
        email: { from: 'gf@example.com', smtp: { ...SMTP, url: 'smtp://127.0.0.1:2525', security: 'none' } },
      }),
    ).not.toThrow();
    expect(
      fields(problems(() => parseNotifyConfig({ email: { smtp: { url: 'smtp://h', security: 'ssl' } } }))),
    ).toEqual(['email.smtp.security']);
    expect(
      fields(
        problems(() => parseNotifyConfig({ email: { smtp: { url: 'smtp://h', password: 'p4ssw0rd' } } })),
      ),
    ).toEqual(['email.smtp.password']);
  });

  it('needs from and smtp for email, here or in the defaults', () => {
    expect(
      fields(
        problems(() =>
          parseNotifyConfig({ audiences: { admins: [{ type: 'email', to: 'a@example.com' }] } }),
        ),
      ),
    ).toEqual(['audiences.admins[0].from', 'audiences.admins[0].smtp']);
  });

  it('refuses two channels with the same id', () => {
    const list = problems(() =>
      parseNotifyConfig({
        audiences: {
          admins: [
            { type: 'slack', url: SLACK },
            { type: 'slack', url: SLACK },
          ],
        },
      }),
    );
    expect(list).toEqual([
      { field: 'audiences.admins[1].name', message: expect.stringMatching(/distinct name/) },
    ]);
  });
});

describe('notifyConfigFromEnv', () => {
  it('builds channels from variables', () => {
    const config = parseNotifyConfig(
      notifyConfigFromEnv({
        GRANTFLOW_NOTIFY_LOG: 'stdout',
        GRANTFLOW_NOTIFY_TIMEOUT_MS: '3000',
        GRANTFLOW_NOTIFY_SNS_TOPIC_ADMINS: 'arn:aws:sns:us-east-1:123456789012:admins',
        GRANTFLOW_NOTIFY_SLACK_URL: SLACK,
        GRANTFLOW_NOTIFY_WEBHOOK_URL: 'https://siem.example.com/in',
        GRANTFLOW_NOTIFY_WEBHOOK_SECRET: SECRET,
        GRANTFLOW_NOTIFY_WEBHOOK_AUDIENCES: 'admins',
        GRANTFLOW_NOTIFY_SMTP_URL: 'smtps://mail.example.com',
        GRANTFLOW_NOTIFY_SMTP_USER: 'grantflow',
        GRANTFLOW_NOTIFY_SMTP_PASSWORD: 'smtp-pass-9876',
        GRANTFLOW_NOTIFY_EMAIL_FROM: 'grantflow@example.com',
        GRANTFLOW_NOTIFY_EMAIL_APPROVERS: 'a1@example.com, a2@example.com',
        GRANTFLOW_NOTIFY_EMAIL_REQUESTER: '{name}@example.com',
      }),
    );
    expect(config.timeoutMs).toBe(3_000);
    expect(config.routes.map((r) => r.id)).toEqual([
      'log',
      'requester.email',
      'approvers.slack',
      'approvers.email',
      'admins.sns',
      'admins.slack',
      'admins.webhook',
    ]);
    expect(config.routes[0]!.spec).toEqual({ type: 'log', stream: 'stdout' });
    expect(config.routes.find((r) => r.id === 'approvers.email')!.spec).toMatchObject({
      to: ['a1@example.com', 'a2@example.com'],
    });
  });

  it('names the variable in errors', () => {
    const list = problems(() =>
      parseNotifyConfig(
        notifyConfigFromEnv({
          GRANTFLOW_NOTIFY_SLACK_URL: 'http://hooks.slack.com/services/T/B/XXXXsecretXXXX',
          GRANTFLOW_NOTIFY_WEBHOOK_URL: 'https://siem.example.com/in',
          GRANTFLOW_NOTIFY_SNS_TOPIC_REQUESTER: 'topic-name',
          GRANTFLOW_NOTIFY_EMAIL_FROM: 'gf@example.com',
          GRANTFLOW_NOTIFY_EMAIL_ADMINS: 'ops@example.com',
          GRANTFLOW_NOTIFY_EMAIL_REQUESTER: '{email}',
        }),
      ),
    );
    expect(new Set(fields(list))).toEqual(
      new Set([
        'GRANTFLOW_NOTIFY_SLACK_URL',
        'GRANTFLOW_NOTIFY_WEBHOOK_SECRET',
        'GRANTFLOW_NOTIFY_SNS_TOPIC_REQUESTER',
        'GRANTFLOW_NOTIFY_SMTP_URL',
        'GRANTFLOW_NOTIFY_EMAIL_REQUESTER',
      ]),
    );
    expect(fields(problems(() => notifyConfigFromEnv({ GRANTFLOW_NOTIFY_LOG: 'loud' })))).toEqual([
      'GRANTFLOW_NOTIFY_LOG',
    ]);
    expect(
      fields(
        problems(() =>
          notifyConfigFromEnv({ GRANTFLOW_NOTIFY_SLACK_URL: SLACK, GRANTFLOW_NOTIFY_SLACK_AUDIENCES: 'ops' }),
        ),
      ),
    ).toEqual(['GRANTFLOW_NOTIFY_SLACK_AUDIENCES']);
    expect(fields(problems(() => notifyConfigFromEnv({ GRANTFLOW_NOTIFY_TIMEOUT_MS: '5s' })))).toEqual([
      'GRANTFLOW_NOTIFY_TIMEOUT_MS',
    ]);
  });
});

describe('loadNotifyConfig', () => {
  it('reads GRANTFLOW_NOTIFY_CONFIG as a file or as JSON, and adds the variables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gf-notify-'));
    try {
      await writeFile(
        join(dir, 'notify.json'),
        JSON.stringify({ log: false, audiences: { admins: [{ type: 'slack', url: SLACK }] } }),
      );
      const fromFile = await loadNotifyConfig({
        cwd: dir,
        env: {
          GRANTFLOW_NOTIFY_CONFIG: 'notify.json',
          GRANTFLOW_NOTIFY_SNS_TOPIC_ADMINS: 'arn:aws:sns:us-east-1:123456789012:t',
        },
      });
      expect(fromFile.routes.map((r) => r.id)).toEqual(['admins.slack', 'admins.sns']);
      const inline = await loadNotifyConfig({
        cwd: dir,
        env: { GRANTFLOW_NOTIFY_CONFIG: '{"timeoutMs": 1000}' },
      });
      expect(inline.timeoutMs).toBe(1_000);
      expect(
        fields(
          await loadNotifyConfig({ cwd: dir, env: { GRANTFLOW_NOTIFY_CONFIG: 'missing.json' } }).then(
            () => [],
            (e: NotifyConfigError) => [...e.problems],
          ),
        ),
      ).toEqual(['GRANTFLOW_NOTIFY_CONFIG']);
      await writeFile(join(dir, 'bad.json'), '{ not json');
      await expect(
        loadNotifyConfig({ cwd: dir, env: { GRANTFLOW_NOTIFY_CONFIG: 'bad.json' } }),
      ).rejects.toThrow(/GRANTFLOW_NOTIFY_CONFIG: is not valid JSON/);
      await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const withCa = await loadNotifyConfig({
        cwd: dir,
        env: {
          GRANTFLOW_NOTIFY_SMTP_URL: 'smtp://mail.example.com',
          GRANTFLOW_NOTIFY_SMTP_CA_FILE: 'ca.pem',
          GRANTFLOW_NOTIFY_EMAIL_FROM: 'gf@example.com',
          GRANTFLOW_NOTIFY_EMAIL_ADMINS: 'ops@example.com',
        },
      });
      expect(withCa.routes.map((r) => r.id)).toEqual(['log', 'admins.email']);
      await expect(
        loadNotifyConfig({ cwd: dir, env: { GRANTFLOW_NOTIFY_SMTP_CA_FILE: 'nope.pem' } }),
      ).rejects.toThrow(/GRANTFLOW_NOTIFY_SMTP_CA_FILE: cannot read/);
      await writeFile(join(dir, 'wrong.json'), JSON.stringify({ audiences: { admins: [{ type: 'sms' }] } }));
      await expect(
        loadNotifyConfig({ cwd: dir, env: { GRANTFLOW_NOTIFY_CONFIG: 'wrong.json' } }),
      ).rejects.toThrow(/audiences\.admins\[0\]\.type/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('createNotifier', () => {
  it('needs the IamBackend for SNS channels', () => {
    expect(
      fields(
        problems(() =>
          createNotifier({
            audiences: { admins: [{ type: 'sns', topicArn: 'arn:aws:sns:us-east-1:123456789012:t' }] },
          }),
        ),
      ),
    ).toEqual(['audiences.admins[0]']);
  });

  it('lists its routes', async () => {
    const notifier = createNotifier({ audiences: { approvers: [{ type: 'slack', url: SLACK }] } });
    expect(notifier.routes).toEqual([
      { id: 'log', kind: 'log', audiences: ['requester', 'approvers', 'admins'] },
      { id: 'approvers.slack', kind: 'slack', audiences: ['approvers'] },
    ]);
    await notifier.close();
  });
});
