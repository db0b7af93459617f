// `arn:aws:states:::aws-sdk:accessanalyzer:validatePolicy` on grantflow's validator, answering in
// the shape the Step Functions AWS SDK integration returns Access Analyzer's ValidatePolicy:
// `{Findings: [{FindingDetails, FindingType, IssueCode, LearnMoreLink, Locations: [{Path, Span}]}]}`.
import type { PolicyType } from '../../policy/index.ts';
import { validatePolicy } from '../../validate/index.ts';
import type { Finding } from '../../validate/index.ts';
import { StatesError } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import type { Json, JsonObject } from '../json.ts';
import type { Connector, ConnectorMap } from './types.ts';

/** Access Analyzer's PolicyType values and the validator's policy types. */
const POLICY_TYPES: Record<string, PolicyType> = {
  IDENTITY_POLICY: 'identity',
  RESOURCE_POLICY: 'resource',
  SERVICE_CONTROL_POLICY: 'scp',
  RESOURCE_CONTROL_POLICY: 'rcp',
};

const ARGUMENTS = new Set([
  'PolicyDocument',
  'PolicyType',
  'Locale',
  'MaxResults',
  'NextToken',
  'ValidatePolicyResourceType',
]);

const invalid = (message: string) => new StatesError('AccessAnalyzer.ValidationException', message);

/** A finding in the PascalCase the AWS SDK integration returns. */
export function findingToPascalCase(finding: Finding): JsonObject {
  return {
    FindingDetails: finding.findingDetails,
    FindingType: finding.findingType,
    IssueCode: finding.issueCode,
    LearnMoreLink: finding.learnMoreLink,
    Locations: finding.locations.map((location) => ({
      Path: location.path.map((element): JsonObject => {
        if ('index' in element) return { Index: element.index };
        if ('key' in element) return { Key: element.key };
        if ('substring' in element)
          return { Substring: { Start: element.substring.start, Length: element.substring.length } };
        return { Value: element.value };
      }),
      Span: {
        Start: {
          Line: location.span.start.line,
          Column: location.span.start.column,
          Offset: location.span.start.offset,
        },
        End: {
          Line: location.span.end.line,
          Column: location.span.end.column,
          Offset: location.span.end.offset,
        },
      },
    })),
  };
}

export const validatePolicyConnector: Connector = async (invocation) => {
  const args = invocation.arguments;
  if (!isJsonObject(args))
    throw invalid('The arguments must be a JSON object with PolicyDocument and PolicyType.');
  for (const key of Object.keys(args)) {
    if (!ARGUMENTS.has(key))
      throw invalid(`Unknown parameter ${key}; ValidatePolicy takes ${[...ARGUMENTS].join(', ')}.`);
  }
  const document = args.PolicyDocument;
  if (typeof document !== 'string' || document.length === 0) {
    throw invalid('PolicyDocument is required and must be the policy as a non-empty string of JSON.');
  }
  const type = args.PolicyType;
  const policyType = typeof type === 'string' ? POLICY_TYPES[type] : undefined;
  if (!policyType) {
    throw invalid(
      `PolicyType must be one of ${Object.keys(POLICY_TYPES).join(', ')} (got ${JSON.stringify(type)}).`,
    );
  }
  const max = args.MaxResults;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) {
    throw invalid('MaxResults must be a positive integer.');
  }
  const start = args.NextToken === undefined ? 0 : Number(args.NextToken);
  if (!Number.isInteger(start) || start < 0) throw invalid('NextToken is not one this API returned.');
  const findings = validatePolicy(document, { policyType }).findings.map(findingToPascalCase);
  const end = max === undefined ? findings.length : Math.min(findings.length, start + max);
  const result: JsonObject = { Findings: findings.slice(start, end) as Json[] };
  if (end < findings.length) result.NextToken = String(end);
  return result;
};

export function accessAnalyzerConnectors(): ConnectorMap {
  return { 'arn:aws:states:::aws-sdk:accessanalyzer:validatePolicy': validatePolicyConnector };
}
