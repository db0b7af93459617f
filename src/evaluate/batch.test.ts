import { describe, expect, it } from 'vitest';
import { BatchResultCache } from './decide.ts';
import { BatchEvaluator, batchResult, batchResultJson, compilePolicySet } from './index.ts';
import type { ContextValue } from './index.ts';

const USER = 'arn:aws:iam::111122223333:user/alice';
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'S3', Effect: 'Allow', Action: 's3:Get*', Resource: '*' }],
};
const request = (action: string) => ({ principal: USER, action, resource: 'arn:aws:s3:::b/k' });
const line = (value: unknown) => JSON.stringify(value);

describe('BatchEvaluator', () => {
  it('answers a line with its policies like the library does', () => {
    const ev = new BatchEvaluator();
    const r = ev.evaluate(line({ request: request('s3:GetObject'), identityPolicies: [POLICY] }), 1);
    expect(r.ok).toBe(true);
    const expected = batchResult(compilePolicySet({ identityPolicies: [POLICY] }), request('s3:GetObject'));
    expect(JSON.parse(r.json)).toEqual(expected);
  });

  it('reads every policy member, with SCP and RCP levels as lists of lists', () => {
    const ev = new BatchEvaluator();
    const full = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] };
    const r = ev.evaluate(
      line({
        request: request('s3:GetObject'),
        identityPolicies: [POLICY],
        resourcePolicy: null,
        permissionsBoundaries: [full],
        sessionPolicy: JSON.stringify(full),
        serviceControlPolicies: [[full], []],
        resourceControlPolicies: [[full]],
        vpcEndpointPolicies: [full],
      }),
      1,
    );
    expect(JSON.parse(r.json)).toMatchObject({ decision: 'ImplicitlyDenied', blockedBy: 'scp' });
  });

  it('gives the same answers on the fast path as on the full one, lines of any shape', () => {
    const ev = new BatchEvaluator();
    const lines = [
      line({ request: request('s3:GetObject'), identityPolicies: [POLICY] }),
      line({ request: request('s3:PutObject'), identityPolicies: [POLICY] }),
      // The previous line's text around its request, but the request now holds more members.
      `{"request":${line(request('s3:GetObject'))},"identityPolicies":[${line(POLICY)}]}`,
      line({ request: request('s3:GetObject') }),
      `{"request":${line(request('s3:GetObject'))},"identityPolicies":[${line(POLICY)}]}`,
      line({ identityPolicies: [POLICY], request: request('s3:GetObject') }),
      ` { "request" : ${line(request('s3:GetBucketAcl'))} , "identityPolicies" : [ ${line(POLICY)} ] } `,
    ];
    const results = lines.map((l, i) => JSON.parse(ev.evaluate(l, i + 1).json) as { decision: string });
    const fresh = lines.map(
      (l, i) => JSON.parse(new BatchEvaluator().evaluate(l, i + 1).json) as { decision: string },
    );
    expect(results).toEqual(fresh);
    expect(results.map((r) => r.decision)).toEqual([
      'Allowed',
      'ImplicitlyDenied',
      'Allowed',
      'ImplicitlyDenied',
      'Allowed',
      'Allowed',
      'Allowed',
    ]);
    const bytes = Buffer.from(lines.join('\n'));
    const viaBytes: unknown[] = [];
    const evBytes = new BatchEvaluator();
    let start = 0;
    lines.forEach((l, i) => {
      const end = start + Buffer.byteLength(l);
      viaBytes.push(JSON.parse(evBytes.evaluateBytes(bytes, start, end, i + 1).json));
      start = end + 1;
    });
    expect(viaBytes).toEqual(results);
  });

  it('decodes UTF-8 and keeps the text of non-ASCII policies', () => {
    const policy = {
      Statement: [{ Sid: 'Élan', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::café/*' }],
    };
    const text = line({
      request: { ...request('s3:GetObject'), resource: 'arn:aws:s3:::café/k' },
      identityPolicies: [policy],
    });
    const bytes = Buffer.from(`${text}\n${text}`);
    const ev = new BatchEvaluator();
    const first = ev.evaluateBytes(bytes, 0, Buffer.byteLength(text), 1);
    const second = ev.evaluateBytes(bytes, Buffer.byteLength(text) + 1, bytes.length, 2);
    expect(JSON.parse(first.json)).toMatchObject({
      decision: 'Allowed',
      matchedStatements: [{ sid: 'Élan' }],
    });
    expect(second.json).toBe(first.json);
  });

  it('compiles each distinct policy text once', () => {
    const ev = new BatchEvaluator();
    const other = { Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] };
    const a = (action: string) => line({ request: request(action), identityPolicies: [POLICY] });
    const b = (action: string) => line({ request: request(action), identityPolicies: [other] });
    const decisions = [a('s3:GetObject'), b('s3:GetObject'), a('s3:GetObject'), b('sqs:SendMessage')].map(
      (l, i) => (JSON.parse(ev.evaluate(l, i + 1).json) as { decision: string }).decision,
    );
    expect(decisions).toEqual(['Allowed', 'ImplicitlyDenied', 'Allowed', 'Allowed']);
    expect((ev as unknown as { sets: Map<string, unknown> }).sets.size).toBe(2);
  });

  describe('error results name the line and the field', () => {
    const ev = new BatchEvaluator();
    const error = (text: string) => {
      const r = ev.evaluate(text, 7);
      expect(r.ok).toBe(false);
      return JSON.parse(r.json) as { line: number; field: string | null; error: string };
    };

    it.each([
      ['{"request":', null, /invalid JSON/],
      ['[1,2]', null, /must be a JSON object/],
      [line({ identityPolicies: [] }), 'request', /request: is missing/],
      [line({ request: { action: 's3:GetObject', resource: '*' } }), 'request.principal', /non-empty string/],
      [
        line({ request: { ...request('s3:GetObject'), action: 'GetObject' } }),
        'request.action',
        /service:Action/,
      ],
      [
        line({ request: { ...request('s3:GetObject'), principal: 'someone' } }),
        'request.principal',
        /kind of principal/,
      ],
      [
        line({ request: { ...request('s3:GetObject'), principalKind: 'robot' } }),
        'request.principalKind',
        /must be one of/,
      ],
      [
        line({ request: { ...request('s3:GetObject'), context: { k: { x: 1 } } } }),
        'request.context.k',
        /string, number/,
      ],
      [line({ request: { ...request('s3:GetObject'), extra: 1 } }), 'request.extra', /not a request field/],
      [line({ request: request('s3:GetObject'), policies: [] }), 'policies', /not a batch field/],
      [
        line({ request: request('s3:GetObject'), identityPolicies: {} }),
        'identityPolicies',
        /must be a list/,
      ],
      [
        line({ request: request('s3:GetObject'), identityPolicies: ['{"Statement": ['] }),
        'identityPolicies[0]',
        /invalid JSON at line 1/,
      ],
      [
        line({ request: request('s3:GetObject'), serviceControlPolicies: [POLICY] }),
        'serviceControlPolicies[0]',
        /must be a list/,
      ],
      [line({ request: request('s3:GetObject'), resourcePolicy: 42 }), 'resourcePolicy', /JSON object/],
      ['{"request":{},"request":{}}', 'request', /appears twice/],
    ])('%s', (text, field, message) => {
      const e = error(text);
      expect(e.line).toBe(7);
      expect(e.field).toBe(field);
      expect(e.error).toMatch(message);
    });
  });
});

describe('BatchEvaluator.evaluateBlock', () => {
  const policies = `"identityPolicies":[${line(POLICY)}]`;
  const requests = [
    request('s3:GetObject'),
    request('s3:PutObject'),
    { ...request('s3:GetObject'), context: { 'aws:SourceIp': '203.0.113.9', n: [1, 2.5, true] } },
    { ...request('s3:GetObject'), context: { 'aws:SourceIp': '203.0.113.9', n: [1, 2.5, true] } },
    { ...request('s3:GetObject'), principalKind: 'user', resourceAccount: '111122223333' },
    { ...request('s3:GetObject'), resource: 'arn:aws:s3:::café/\u2603', context: { 'é"\\': 'ü' } },
    { ...request('s3:GetObject'), action: 'GetObject' },
    { ...request('s3:GetObject'), principal: 'nobody' },
    { ...request('s3:GetObject'), extra: 1 },
    { ...request('s3:GetObject'), context: { k: null } },
  ];
  // The same policies around requests of every shape, with the lines' ends, blanks and errors a
  // file may hold; the request is the first member or the last.
  const lines = [
    ...requests.map((r) => `{"request":${line(r)},${policies}}`),
    `{"request":${line(request('s3:GetObject'))},${policies}}\r`,
    `{"request":${line(request('s3:ListBucket'))},${policies}} `,
    '',
    '  \t',
    `{"request":${line(request('s3:GetObject'))},${policies}}x`,
    `{"request":${line(request('s3:GetObject'))},${policies}`,
    ...requests.map((r) => `{${policies},"request":${line(r)}}`),
    `{${policies},"request":${line(request('s3:GetObject'))}}\r`,
    `{"request":${line(request('s3:GetObject'))},"identityPolicies":[{"Statement":"x"}]}`,
    `{"request":${line(request('s3:PutObject'))},"identityPolicies":[{"Statement":"x"}]}`,
    `{"request":${line(request('s3:PutObject'))},"identityPolicies":[{"Statement":"x"}]}\r`,
  ];

  it('gives, line by line, what evaluate() gives for each line', () => {
    const expected = new BatchEvaluator();
    const want = lines.flatMap((l, i) =>
      l.trim() === '' ? [] : [expected.evaluate(l.endsWith('\r') ? l.slice(0, -1) : l, i + 1).json],
    );
    for (const ending of ['\n', '\r\n']) {
      for (const last of ['', ending]) {
        const block = Buffer.from(lines.join(ending) + last);
        const result = new BatchEvaluator().evaluateBlock(block, 1);
        expect(result.out.toString('utf8').split('\n').slice(0, -1)).toEqual(want);
        expect(result.lines).toBe(lines.length);
        expect(result.bad).toBe(want.filter((j) => j.startsWith('{"line"')).length);
      }
    }
  });

  it('gives the same bytes whichever line a block starts at', () => {
    const text = lines.join('\n');
    const whole = new BatchEvaluator().evaluateBlock(Buffer.from(text), 1).out.toString('utf8');
    const cut = text.indexOf('\n', text.length >> 1) + 1;
    const ev = new BatchEvaluator();
    const first = ev.evaluateBlock(Buffer.from(text.slice(0, cut)), 1);
    const second = ev.evaluateBlock(Buffer.from(text.slice(cut)), 1);
    const renumbered = BatchEvaluator.renumberErrors(second, first.lines);
    expect(first.out.toString('utf8') + renumbered.toString('utf8')).toBe(whole);
  });
});

describe('BatchResultCache', () => {
  it('gives the text batchResultJson gives, and its bytes with a newline', () => {
    const set = compilePolicySet({
      identityPolicies: [
        POLICY,
        {
          Statement: [
            {
              Effect: 'Deny',
              Action: 's3:Put*',
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
            { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::${aws:PrincipalTag/team}/*' },
          ],
        },
      ],
    });
    const cache = new BatchResultCache(set);
    const contexts: (Record<string, ContextValue> | undefined)[] = [
      undefined,
      {},
      { 'aws:SecureTransport': false },
      { 'aws:PrincipalTag/team': 'b' },
    ];
    for (let round = 0; round < 2; round++) {
      for (const action of ['s3:GetObject', 's3:PutObject', 'sqs:SendMessage']) {
        for (const context of contexts) {
          const r = { ...request(action), resource: 'arn:aws:s3:::b/k', context };
          const l = cache.line(r);
          expect(l.json).toBe(batchResultJson(set, r));
          expect(Buffer.from(l.bytes).toString('utf8')).toBe(`${l.json}\n`);
        }
      }
    }
  });
});
