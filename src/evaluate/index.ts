// The authorization engine: compile a policy set once, then decide or explain many requests.
import { compilePolicySet } from './compile.ts';
import type { CompileOptions } from './compile.ts';
import { explain } from './decide.ts';
import type { EvaluationRequest, Explanation, PolicySetInput } from './types.ts';

export { compilePolicySet, CompiledPolicySet } from './compile.ts';
export type { CompileOptions } from './compile.ts';
export { decide, explain, batchResult, batchResultJson } from './decide.ts';
export { allowedActions } from './allowed.ts';
export { BatchEvaluator } from './batch.ts';
export type { BatchLineResult } from './batch.ts';
export type { AllowedActionsQuery } from './allowed.ts';
export { PolicyInputError, RequestError } from './errors.ts';
export { DERIVED_CONTEXT_KEYS } from './state.ts';
export { EVALUATED_POLICY_TYPES, PRINCIPAL_KINDS } from './types.ts';
export type {
  BatchResult,
  CompileWarning,
  ContextScalar,
  ContextValue,
  Decision,
  EvaluatedPolicyType,
  EvaluationRequest,
  Explanation,
  MatchedStatement,
  NamedPolicy,
  PolicyDocument,
  PolicyInput,
  PolicySetInput,
  PolicyTypeOutcome,
  PrincipalKind,
  ResourceGrant,
} from './types.ts';

/** Compiles and explains in one call, for a single question. */
export function simulate(
  set: PolicySetInput,
  request: EvaluationRequest,
  options?: CompileOptions,
): Explanation {
  return explain(compilePolicySet(set, options), request);
}
