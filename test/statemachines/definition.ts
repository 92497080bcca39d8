import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The deployment's strict substitution: an unknown placeholder or an unused ARN throws here too.
const { substitute } = createRequire(import.meta.url)('../../scripts/asl-definition.cjs') as {
  substitute: (definition: unknown, substitutions: Record<string, unknown>) => unknown;
};

/** The real state machine file, as deployed. */
export const ASL_PATH = fileURLToPath(new URL('../../statemachines/export.asl.yml', import.meta.url));

/**
 * What the deployment substitutes for each placeholder. The values are shaped like the Lambda ARNs
 * the packaged template resolves them to, so ARN checks see what AWS would see.
 */
export const FUNCTION_ARNS = {
  StartExportFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rds-export-dev-startExport',
  CheckExportFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rds-export-dev-checkExport',
  RegisterExportFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rds-export-dev-registerExport',
  NotifyFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rds-export-dev-notify',
  WaitsFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rds-export-dev-waits',
} as const;

// CloudFormation / serverless style `${Name}`: anything between `${` and the next `}`.
const PLACEHOLDER = /\$\{([^}]*)\}/g;

export function readAslText(): string {
  return readFileSync(ASL_PATH, 'utf8');
}

/** Every placeholder name the text contains, once each, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}

/** The fields of a state these tests read; the rest of the ASL passes through untyped. */
export interface AslState {
  Type: string;
  Next?: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: Record<string, unknown>[];
  Default?: string;
  [field: string]: unknown;
}

export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/** The real definition, parsed and substituted the way the deployment does it. */
export function loadDefinition(): AslDefinition {
  return substitute(parse(readAslText()), FUNCTION_ARNS) as AslDefinition;
}

/** Names of the Task states whose Lambda is the given function. */
export function tasksInvoking(definition: AslDefinition, functionArn: string): string[] {
  return Object.entries(definition.States)
    .filter(([, state]) => state.Type === 'Task' && state.Parameters?.FunctionName === functionArn)
    .map(([name]) => name);
}

export function statesOfType(definition: AslDefinition, type: string): string[] {
  return Object.entries(definition.States)
    .filter(([, state]) => state.Type === type)
    .map(([name]) => name);
}
