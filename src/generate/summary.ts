// A plain-language summary of what a policy allows, in the requester's language, built from the
// policy itself (not from what the drafter meant), so it is true of LLM drafts too.
import type { AccessLevel, Catalog } from '../catalog/index.ts';
import type { PolicyDocument } from './policy-document.ts';
import { asList } from './policy-document.ts';

const LEVEL_NAMES: Record<AccessLevel, { en: string; ko: string }> = {
  List: { en: 'list', ko: '목록 보기' },
  Read: { en: 'read', ko: '읽기' },
  Write: { en: 'write', ko: '쓰기' },
  'Permissions management': { en: 'permissions management', ko: '권한 관리' },
  Tagging: { en: 'tagging', ko: '태그 지정' },
};

interface ServiceLine {
  actions: Set<string>;
  levels: Set<AccessLevel>;
  resources: Set<string>;
  notAction: boolean;
}

/**
 * One line per service: how many actions, of which access levels, on which resources; then the
 * expiry. Deny statements are summarised as exceptions.
 */
export function summarizePolicy(
  policy: PolicyDocument,
  catalog: Catalog,
  options: { lang: 'en' | 'ko'; expiresAt?: Date },
): string {
  const ko = options.lang === 'ko';
  const lines = new Map<string, ServiceLine>();
  const denies: string[] = [];
  for (const s of policy.Statement) {
    const patterns = asList(s.Action ?? s.NotAction);
    if (s.Effect === 'Deny') {
      denies.push(...patterns);
      continue;
    }
    const resources = asList(s.Resource ?? s.NotResource);
    for (const pattern of patterns) {
      const service = pattern === '*' ? '*' : pattern.slice(0, pattern.indexOf(':')).toLowerCase();
      const line = lines.get(service) ?? {
        actions: new Set(),
        levels: new Set(),
        resources: new Set(),
        notAction: false,
      };
      line.notAction ||= s.NotAction !== undefined;
      for (const a of catalog.expandAction(pattern)) {
        line.actions.add(a.key);
        line.levels.add(a.accessLevel);
      }
      for (const r of resources) line.resources.add(s.NotResource ? `${ko ? '제외' : 'all except'} ${r}` : r);
      lines.set(service, line);
    }
  }
  const out: string[] = [];
  for (const [service, line] of lines) {
    const name =
      service === '*' ? (ko ? '모든 서비스' : 'every service') : (catalog.service(service)?.name ?? service);
    const levels = [...line.levels].map((l) => LEVEL_NAMES[l][ko ? 'ko' : 'en']).join(', ');
    const resources = [...line.resources].map((r) => (r === '*' ? (ko ? '모든 리소스' : 'any resource') : r));
    const shown =
      resources.length > 3
        ? [...resources.slice(0, 3), ko ? `외 ${resources.length - 3}개` : `and ${resources.length - 3} more`]
        : resources;
    if (line.notAction) {
      out.push(
        ko
          ? `- ${name}: 나열된 작업을 제외한 모든 작업 (${shown.join(', ')})`
          : `- ${name}: every action except those listed, on ${shown.join(', ')}`,
      );
    } else if (ko) {
      out.push(`- ${name}: 작업 ${line.actions.size}개 (${levels}) — 대상: ${shown.join(', ')}`);
    } else {
      out.push(
        `- ${name}: ${line.actions.size} action${line.actions.size === 1 ? '' : 's'} (${levels}) on ${shown.join(', ')}`,
      );
    }
  }
  if (denies.length > 0)
    out.push(ko ? `- 명시적으로 거부: ${denies.join(', ')}` : `- Explicitly denied: ${denies.join(', ')}`);
  const head = ko ? '이 정책이 허용하는 것:' : 'This policy allows:';
  const until = options.expiresAt
    ? ko
      ? `만료: ${options.expiresAt.toISOString()} (이후에는 IAM이 거부합니다)`
      : `Until ${options.expiresAt.toISOString()}; after that IAM denies every action it allows.`
    : undefined;
  return [head, ...out, ...(until ? [until] : [])].join('\n');
}
