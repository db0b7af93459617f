import { describe, expect, it } from 'vitest';
import { parseJson } from '../policy/index.ts';
import { inferPolicyType, parseReply } from './reply.ts';
import type { DraftReply, ParsedReply, ReplyFailure } from './reply.ts';

const POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['translate:TranslateText', 'transcribe:StartTranscriptionJob'],
      Resource: '*',
    },
  ],
};
const POLICY_TEXT = JSON.stringify(POLICY);

function draft(reply: ParsedReply): DraftReply {
  if (reply.kind !== 'draft') throw new Error(`expected a draft, got ${JSON.stringify(reply)}`);
  return reply;
}

function failed(reply: ParsedReply): ReplyFailure {
  if (reply.kind !== 'unparseable') throw new Error(`expected a failure, got ${JSON.stringify(reply)}`);
  return reply;
}

const seedReply = (description = 'Allows Translate and Transcribe from the console') =>
  JSON.stringify({ policy: POLICY_TEXT, policy_type: 'IDENTITY_POLICY', description });

describe('parseReply: the seed contract', () => {
  it('reads the policy given as a JSON string, as the seed prompt asks', () => {
    const d = draft(parseReply(seedReply()));
    expect(d.policy).toEqual(POLICY);
    expect(d.policyText).toBe(POLICY_TEXT);
    expect(d.policyType).toBe('IDENTITY_POLICY');
    expect(d.description).toBe('Allows Translate and Transcribe from the console');
    expect(d.notes).toEqual([]);
  });

  it('reads the policy given as an object and keeps its text exactly as written', () => {
    const policyText =
      '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}\n}';
    const reply = `{"policy": ${policyText}, "policy_type": "IDENTITY_POLICY", "description": "read"}`;
    const d = draft(parseReply(reply));
    expect(d.policyText).toBe(policyText);
    expect(d.policy).toEqual(JSON.parse(policyText));
  });

  it('keeps duplicate keys inside the policy visible to the validator through policyText', () => {
    const policyText =
      '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Action": "iam:*", "Resource": "*"}}';
    const d = draft(
      parseReply(`{"policy": ${policyText}, "policy_type": "IDENTITY_POLICY", "description": ""}`),
    );
    expect(parseJson(d.policyText).duplicateKeys.map((k) => k.key)).toEqual(['Action']);
  });

  it('reads the error contract, in any language', () => {
    expect(parseReply('{"error": "요청에 대상 버킷 이름이 없습니다."}')).toEqual({
      kind: 'error',
      reason: '요청에 대상 버킷 이름이 없습니다.',
      notes: [],
    });
    expect(parseReply('{"error": {"message": "which table?"}}')).toMatchObject({
      kind: 'error',
      reason: 'which table?',
    });
  });

  it('treats a null error next to a policy as no error', () => {
    const d = draft(
      parseReply(
        `{"policy": ${POLICY_TEXT}, "policy_type": "IDENTITY_POLICY", "description": "d", "error": null}`,
      ),
    );
    expect(d.policy).toEqual(POLICY);
  });

  it('refuses an empty error', () => {
    expect(failed(parseReply('{"error": "  "}')).code).toBe('BAD_FIELD');
  });

  it('reads the strict-schema form where the unused field is an empty string', () => {
    const asDraft = { policy: POLICY_TEXT, policy_type: 'IDENTITY_POLICY', description: 'd', error: '' };
    expect(draft(parseReply({ text: '', structured: asDraft })).policy).toEqual(POLICY);
    const asError = {
      policy: '',
      policy_type: 'IDENTITY_POLICY',
      description: '',
      error: '어느 테이블인가요?',
    };
    expect(parseReply({ text: '', structured: asError })).toMatchObject({
      kind: 'error',
      reason: '어느 테이블인가요?',
    });
    const neither = { policy: '', policy_type: 'IDENTITY_POLICY', description: '', error: '' };
    expect(failed(parseReply({ text: '', structured: neither })).code).toBe('BAD_FIELD');
  });

  it('keeps Korean descriptions as they are', () => {
    expect(draft(parseReply(seedReply('번역 및 전사 콘솔 사용 권한'))).description).toBe(
      '번역 및 전사 콘솔 사용 권한',
    );
  });
});

describe('parseReply: JSON wrapped in other text', () => {
  it('reads JSON in a ```json code fence', () => {
    const d = draft(parseReply('```json\n' + seedReply() + '\n```'));
    expect(d.policy).toEqual(POLICY);
  });

  it('reads JSON in a fence without a language tag, with prose before and after', () => {
    const text = `Here is the policy you asked for:\n\n\`\`\`\n${seedReply()}\n\`\`\`\n\nLet me know if you need changes.`;
    const d = draft(parseReply(text));
    expect(d.policy).toEqual(POLICY);
    expect(d.notes).toContain('text around the JSON was ignored');
  });

  it('finds the JSON after prose that has braces of its own', () => {
    const text = `Replace {bucket} with your bucket; an unmatched { is fine too. Answer: ${seedReply()}`;
    expect(draft(parseReply(text)).policy).toEqual(POLICY);
  });

  it('takes the object with the contract keys among several JSON objects', () => {
    const text = `The statement alone: {"Effect": "Allow", "Action": "s3:*"}\nThe answer:\n${seedReply()}`;
    const d = draft(parseReply(text));
    expect(d.policy).toEqual(POLICY);
    expect(d.notes.some((n) => n.includes('2 JSON objects'))).toBe(true);
  });

  it('accepts the same answer repeated', () => {
    expect(draft(parseReply(`${seedReply()}\n\nAgain: ${seedReply()}`)).policy).toEqual(POLICY);
  });

  it('refuses two different drafts', () => {
    const other = JSON.stringify({
      policy: POLICY_TEXT,
      policy_type: 'IDENTITY_POLICY',
      description: 'other',
    });
    const f = failed(parseReply(`First try: ${seedReply()}\nBetter: ${other}`));
    expect(f.code).toBe('AMBIGUOUS');
  });

  it('refuses a draft and an error in the same reply', () => {
    expect(failed(parseReply(`${seedReply()}\n{"error": "not sure"}`)).code).toBe('AMBIGUOUS');
    const both = JSON.stringify({ policy: POLICY_TEXT, policy_type: 'IDENTITY_POLICY', error: 'not sure' });
    expect(failed(parseReply(both)).code).toBe('AMBIGUOUS');
  });

  it('refuses a contract key given twice', () => {
    const text = `{"policy": ${POLICY_TEXT}, "policy_type": "IDENTITY_POLICY", "policy_type": "RESOURCE_POLICY"}`;
    expect(failed(parseReply(text)).code).toBe('AMBIGUOUS');
  });
});

describe('parseReply: structured output', () => {
  it('reads a tool input object and serializes the policy for validation', () => {
    const structured = { policy: POLICY, policy_type: 'IDENTITY_POLICY', description: 'd' };
    const d = draft(parseReply({ text: '', structured }));
    expect(d.policy).toEqual(POLICY);
    expect(JSON.parse(d.policyText)).toEqual(POLICY);
  });

  it('reads a tool input whose policy is a string', () => {
    const d = draft(parseReply({ text: '', structured: JSON.parse(seedReply()) }));
    expect(d.policyText).toBe(POLICY_TEXT);
  });

  it('reads an error given through the tool', () => {
    expect(parseReply({ text: '', structured: { error: 'no resource named' } })).toMatchObject({
      kind: 'error',
      reason: 'no resource named',
    });
  });

  it('prefers structured output over text', () => {
    const structured = { error: 'from the tool' };
    expect(parseReply({ text: seedReply(), structured })).toMatchObject({
      kind: 'error',
      reason: 'from the tool',
    });
  });

  it('falls back to the text when the structured output is unusable', () => {
    expect(draft(parseReply({ text: seedReply(), structured: { answer: 42 } })).policy).toEqual(POLICY);
  });

  it('reports the structured output problem when the text has nothing either', () => {
    const f = failed(parseReply({ text: '', structured: { answer: 42 } }));
    expect(f.code).toBe('NO_CONTRACT');
    expect(f.message).toContain('structured output');
    expect(failed(parseReply({ text: '', structured: ['x'] })).code).toBe('NO_CONTRACT');
  });

  it('reads a structured output that arrived as a JSON string', () => {
    expect(draft(parseReply({ text: '', structured: seedReply() })).policy).toEqual(POLICY);
  });
});

describe('parseReply: a bare policy document', () => {
  it('reads it as an identity policy when no statement has a Principal', () => {
    const d = draft(parseReply(`Sure:\n${JSON.stringify(POLICY, null, 2)}`));
    expect(d.policyType).toBe('IDENTITY_POLICY');
    expect(d.description).toBe('');
    expect(d.notes.some((n) => n.includes('bare policy document'))).toBe(true);
  });

  it('reads it as a resource policy when a statement has a Principal', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 's3:GetObject', Resource: '*' },
      ],
    };
    expect(draft(parseReply(JSON.stringify(policy))).policyType).toBe('RESOURCE_POLICY');
  });

  it('prefers the contract object over a bare policy elsewhere in the reply', () => {
    const other = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const d = draft(parseReply(`${JSON.stringify(other)}\n${seedReply()}`));
    expect(d.policy).toEqual(POLICY);
  });

  it('refuses two different bare policies', () => {
    const other = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    expect(failed(parseReply(`${JSON.stringify(POLICY)}\n${JSON.stringify(other)}`)).code).toBe('AMBIGUOUS');
  });
});

describe('parseReply: policy_type and description', () => {
  it('normalizes the letter case and separators of policy_type', () => {
    const reply = (t: string) => JSON.stringify({ policy: POLICY, policy_type: t, description: '' });
    expect(draft(parseReply(reply('identity_policy'))).policyType).toBe('IDENTITY_POLICY');
    expect(draft(parseReply(reply('Resource-Policy'))).policyType).toBe('RESOURCE_POLICY');
  });

  it('accepts policyType in camelCase and says so', () => {
    const d = draft(
      parseReply(JSON.stringify({ policy: POLICY, policyType: 'IDENTITY_POLICY', description: '' })),
    );
    expect(d.policyType).toBe('IDENTITY_POLICY');
    expect(d.notes).toContain('policy_type was given as policyType');
  });

  it('infers a missing policy_type from the policy and says so', () => {
    const d = draft(parseReply(JSON.stringify({ policy: POLICY, description: 'd' })));
    expect(d.policyType).toBe('IDENTITY_POLICY');
    expect(d.notes.some((n) => n.includes('policy_type was missing'))).toBe(true);
  });

  it('refuses other policy types, including the prompt template copied verbatim', () => {
    for (const t of ['SERVICE_CONTROL_POLICY', 'RESOURCE_POLICY or IDENTITY_POLICY']) {
      expect(failed(parseReply(JSON.stringify({ policy: POLICY, policy_type: t }))).code).toBe(
        'BAD_POLICY_TYPE',
      );
    }
    expect(failed(parseReply(JSON.stringify({ policy: POLICY, policy_type: 3 }))).code).toBe(
      'BAD_POLICY_TYPE',
    );
  });

  it('notes a missing description and refuses a description that is not text', () => {
    const d = draft(parseReply(JSON.stringify({ policy: POLICY, policy_type: 'IDENTITY_POLICY' })));
    expect(d.description).toBe('');
    expect(d.notes).toContain('description was missing');
    const f = failed(
      parseReply(JSON.stringify({ policy: POLICY, policy_type: 'IDENTITY_POLICY', description: ['x'] })),
    );
    expect(f.code).toBe('BAD_FIELD');
  });
});

describe('parseReply: bad policies', () => {
  it('refuses the prompt placeholder or other non-JSON in the policy string', () => {
    const f = failed(parseReply('{"policy": "YOU_CREATED_POLICY_JSON", "policy_type": "IDENTITY_POLICY"}'));
    expect(f.code).toBe('BAD_POLICY');
    expect(f.message).toContain('not valid JSON');
  });

  it('refuses a policy string holding something other than an object', () => {
    expect(failed(parseReply('{"policy": "[1, 2]", "policy_type": "IDENTITY_POLICY"}')).code).toBe(
      'BAD_POLICY',
    );
  });

  it('refuses a policy without statements, with an empty Statement, or of the wrong type', () => {
    const cases = [
      { Version: '2012-10-17' },
      { Version: '2012-10-17', Statement: [] },
      { Version: '2012-10-17', Statement: ['Allow everything'] },
      { Version: 2012, Statement: { Effect: 'Allow' } },
      [POLICY],
      42,
    ];
    for (const policy of cases) {
      const f = failed(parseReply(JSON.stringify({ policy, policy_type: 'IDENTITY_POLICY' })));
      expect(f.code, JSON.stringify(policy)).toBe('BAD_POLICY');
    }
  });

  it('unwraps a code fence inside the policy string and says so', () => {
    const reply = JSON.stringify({
      policy: '```json\n' + POLICY_TEXT + '\n```',
      policy_type: 'IDENTITY_POLICY',
    });
    const d = draft(parseReply(reply));
    expect(d.policyText).toBe(POLICY_TEXT);
    expect(d.notes.some((n) => n.includes('code fence'))).toBe(true);
  });
});

describe('parseReply: leniency that cannot change meaning, and none beyond', () => {
  it('removes trailing commas, in the reply and in the policy string, and says so', () => {
    const reply =
      '{"policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",},],}, "policy_type": "IDENTITY_POLICY",}';
    const d = draft(parseReply(reply));
    expect(d.policy).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    });
    expect(d.notes).toContain('trailing commas were removed');
    const inString = JSON.stringify({
      policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}',
    });
    expect(draft(parseReply(inString)).notes).toContain('trailing commas were removed from the policy');
  });

  it('does not touch commas inside strings', () => {
    const reply = JSON.stringify({ policy: POLICY, policy_type: 'IDENTITY_POLICY', description: 'a, }b' });
    expect(draft(parseReply(reply)).description).toBe('a, }b');
  });

  it('refuses typographic quotes with a message that names them', () => {
    const f = failed(parseReply('{“policy”: “{}”, “policy_type”: “IDENTITY_POLICY”}'));
    expect(f.code).toBe('INVALID_JSON');
    expect(f.message).toContain('typographic quotes');
  });

  it('refuses single quotes and comments', () => {
    expect(failed(parseReply("{'policy': {'Statement': []}}")).code).toBe('INVALID_JSON');
    const commented = `{"policy": ${POLICY_TEXT}, // the policy\n "policy_type": "IDENTITY_POLICY"}`;
    const f = failed(parseReply(commented));
    expect(f.code).toBe('INVALID_JSON');
    expect(f.message).toContain('omments');
  });

  it('does not read a contract hidden under __proto__', () => {
    const reply = `{"__proto__": {"policy": ${POLICY_TEXT}, "policy_type": "IDENTITY_POLICY"}}`;
    expect(failed(parseReply(reply)).code).toBe('NO_CONTRACT');
    expect(({} as Record<string, unknown>).policy).toBeUndefined();
  });
});

describe('parseReply: garbage and cut-off replies', () => {
  it('reports an empty reply', () => {
    expect(failed(parseReply('   \n')).code).toBe('EMPTY');
  });

  it('reports a reply without JSON', () => {
    expect(failed(parseReply('I am sorry, I cannot help with that.')).code).toBe('NO_JSON');
    expect(failed(parseReply('\u0000\u0001\u0002 binary \uffff')).code).toBe('NO_JSON');
  });

  it('reports JSON that is not the contract', () => {
    expect(failed(parseReply('{"answer": "yes"}')).code).toBe('NO_CONTRACT');
    expect(failed(parseReply('[1, 2, 3]')).code).toBe('NO_JSON');
  });

  it('reports a reply cut off at the token limit as truncated', () => {
    const cut = seedReply().slice(0, 80);
    expect(failed(parseReply({ text: cut, stopReason: 'max_tokens' })).code).toBe('TRUNCATED');
    const f = failed(parseReply({ text: cut, stopReason: 'end_turn' }));
    expect(f.code).toBe('INVALID_JSON');
    expect(f.message).toContain('never closed');
  });

  it('does not salvage the complete policy from inside a cut-off answer', () => {
    const cut = `{"policy": ${POLICY_TEXT}, "policy_type": "IDENT`;
    expect(failed(parseReply({ text: cut, stopReason: 'max_tokens' })).code).toBe('TRUNCATED');
    expect(failed(parseReply(`${cut}`)).code).toBe('INVALID_JSON');
  });

  it('does not salvage the policy from inside a broken answer', () => {
    const broken = `{"policy": ${POLICY_TEXT} "policy_type": "IDENTITY_POLICY"}`;
    expect(failed(parseReply(broken)).code).toBe('INVALID_JSON');
  });

  it('does not fall back to a bare policy when a broken object may have been the answer', () => {
    const text = `Example: ${POLICY_TEXT}\nAnswer: {"policy": ${POLICY_TEXT} "policy_type": "IDENTITY_POLICY"}`;
    expect(failed(parseReply(text)).code).toBe('INVALID_JSON');
  });

  it('uses a valid contract next to a broken fragment, and says so', () => {
    const d = draft(parseReply(`${seedReply()}\nAlso: {"Effect": "Allow" "Action": "s3:*"}`));
    expect(d.notes).toContain('another JSON-looking part could not be read and was ignored');
  });

  it('reports invalid JSON that looks like an answer', () => {
    const f = failed(parseReply('{"policy": {"Version": "2012-10-17" "Statement": []}}'));
    expect(f.code).toBe('INVALID_JSON');
  });

  it('refuses replies over the size limit', () => {
    expect(failed(parseReply('x'.repeat(300_000))).code).toBe('TOO_LARGE');
    expect(failed(parseReply(seedReply(), { maxChars: 20 })).code).toBe('TOO_LARGE');
  });

  // Quadratic scanning would make these run for minutes and hit the test timeout.
  it('gives up on hostile nesting and brace floods', () => {
    expect(failed(parseReply('{'.repeat(150_000))).code).toBe('NO_JSON');
    expect(failed(parseReply('{"a":'.repeat(30_000) + '1' + '}'.repeat(30_000))).code).toBe('INVALID_JSON');
    expect(failed(parseReply('{} '.repeat(60_000))).code).toBe('NO_CONTRACT');
  });
});

describe('inferPolicyType', () => {
  it('sees NotPrincipal as a resource policy and a single Statement object too', () => {
    expect(inferPolicyType({ Statement: { Effect: 'Deny', NotPrincipal: { AWS: '*' } } })).toBe(
      'RESOURCE_POLICY',
    );
    expect(inferPolicyType({ Statement: { Effect: 'Allow', Action: '*' } })).toBe('IDENTITY_POLICY');
  });
});
