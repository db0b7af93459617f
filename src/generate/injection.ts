// Signs that a request's text talks to the policy writer instead of describing a task: attempts
// to override instructions, imitations of the prompt's tags, policy JSON to paste in. Finding one
// can only make the outcome stricter (ARCHITECTURE decision 5): the drafter ignores the text from
// there on, and a grant becomes a request for approval.

const MARKERS: readonly RegExp[] = [
  /ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|rules|prompts?|directions)/i,
  /disregard (?:all |any )?(?:the )?(?:previous|prior|above|earlier)/i,
  /forget (?:all |everything |your )?(?:previous |prior )?(?:instructions|rules)/i,
  /(?:new|updated|override) (?:system )?instructions?:/i,
  /you are now\b/i,
  /system prompt/i,
  /<\/?\s*(?:requested-task|account-id|region|target-iam-identity-type|target-iam-identity-arn|finding|system|instructions?)\s*>/i,
  /"(?:Effect|Action|NotAction|Resource|Statement)"\s*:/,
  /이전\s*(?:의\s*)?(?:지시|명령|지침|프롬프트)/,
  /(?:지시|명령|지침)(?:를|을|는|은)?\s*(?:모두\s*)?무시/,
  /시스템\s*프롬프트/,
];

export interface InjectionSign {
  /** Offset in the text where the first sign starts. */
  readonly index: number;
  /** The text that matched. */
  readonly match: string;
}

/** The earliest sign of an injection attempt, or undefined. */
export function findInjection(text: string): InjectionSign | undefined {
  let first: InjectionSign | undefined;
  for (const re of MARKERS) {
    const m = re.exec(text);
    if (m && (!first || m.index < first.index)) first = { index: m.index, match: m[0] };
  }
  return first;
}

/**
 * The part of the text before the sentence holding the first sign, which is what the requester
 * plausibly meant; the whole text when there is no sign.
 */
export function textBeforeInjection(text: string): string {
  const sign = findInjection(text);
  if (!sign) return text;
  const before = text.slice(0, sign.index);
  const sentenceStart = Math.max(
    before.lastIndexOf('.'),
    before.lastIndexOf('!'),
    before.lastIndexOf('?'),
    before.lastIndexOf('\n'),
  );
  return sentenceStart >= 0 ? text.slice(0, sentenceStart + 1) : '';
}
