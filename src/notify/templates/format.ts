// Small formatting helpers the templates share: times, durations, identity names, and taming
// untrusted text (request text, LLM messages) before it goes into a notification.

export type Lang = 'en' | 'ko';

/** `2026-05-01 09:30:00 UTC`; a value that is not a time is shown as given. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `1 hour 30 minutes` / `1시간 30분`; seconds only below a minute. */
export function formatDuration(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const rest = s % 60;
  const parts: string[] = [];
  const unit = (n: number, en: string, ko: string) => {
    if (n === 0) return;
    parts.push(lang === 'ko' ? `${n}${ko}` : `${n} ${en}${n === 1 ? '' : 's'}`);
  };
  unit(days, 'day', '일');
  unit(hours, 'hour', '시간');
  unit(minutes, 'minute', '분');
  if (s < 60 || (days === 0 && hours === 0 && rest > 0)) unit(rest, 'second', '초');
  if (parts.length === 0) return lang === 'ko' ? '0초' : '0 seconds';
  return parts.join(' ');
}

/** The user, role or session name at the end of an IAM or STS ARN; anything else as given. */
export function identityName(arn: string): string {
  if (!arn.startsWith('arn:')) return arn;
  const resource = arn.split(':').slice(5).join(':');
  return resource.split('/').pop() || arn;
}

/**
 * Text from outside (the request, an LLM) with control characters removed (line breaks kept)
 * and a length cap, so it cannot forge extra lines in a header or flood a channel.
 */
export function untrusted(text: string, max = 1_000): string {
  const clean = text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  const chars = [...clean.trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** Lines joined, empty ones from optional parts dropped. */
export function lines(...parts: readonly (string | false | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === 'string').join('\n');
}

/** A bulleted list, at most `max` items, then how many more. */
export function bullets(items: readonly string[], lang: Lang, max = 20): string {
  const shown = items.slice(0, max).map((i) => `- ${i}`);
  const more = items.length - shown.length;
  if (more > 0) shown.push(lang === 'ko' ? `- 외 ${more}건` : `- and ${more} more`);
  return shown.join('\n');
}
