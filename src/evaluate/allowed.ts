// "Which of these actions does this policy set allow on this resource?" — for the drafter's
// guardrails and the audit.
import type { Catalog } from '../catalog/index.ts';
import { getCatalog } from '../catalog/index.ts';
import type { CompiledPolicySet } from './compile.ts';
import { decide } from './decide.ts';
import { RequestError } from './errors.ts';
import type { EvaluationRequest } from './types.ts';

export interface AllowedActionsQuery extends Omit<EvaluationRequest, 'action'> {
  /** The actions to ask about, `service:Action`. */
  readonly actions?: readonly string[];
  /** Or every action of a service known to the catalog, e.g. `s3`. */
  readonly service?: string;
}

/** The actions, among those asked about, that the set allows on the resource, in the order asked. */
export function allowedActions(
  set: CompiledPolicySet,
  query: AllowedActionsQuery,
  catalog: Pick<Catalog, 'actionsOf'> = getCatalog(),
): string[] {
  let actions: readonly string[];
  if (query.actions !== undefined) actions = query.actions;
  else if (query.service !== undefined) {
    actions = catalog.actionsOf(query.service).map((a) => a.key);
    if (actions.length === 0)
      throw new RequestError('service', `no actions are known for the service "${query.service}"`);
  } else throw new RequestError('actions', 'give the actions to ask about, or a service');
  const request = { ...query, action: '' };
  return actions.filter((action) => {
    request.action = action;
    return decide(set, request) === 'Allowed';
  });
}
