import { JsonFault } from '../protocol/json.ts';
import { deployedDefinition } from './definition.ts';

export interface MachineOptions {
  /** The ASL file's text with its `${...}FunctionArn` placeholders. */
  definitionText: string;
  stateMachineArn: string;
  /** The role the machine runs with (IAM is not simulated: it is only named). */
  roleArn: string;
  region: string;
  account: string;
}

/** Unqualified or qualified (version, alias) state machine ARNs, as the DescribeStateMachine reference shows them. */
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/;
// ListStateMachines: "The default is 100 and the maximum allowed page size is 1000. A value of 0 uses
// the default" (the maxResults member in the Step Functions API model).
const MAX_PAGE_SIZE = 1000;

const seconds = (d: Date) => d.getTime() / 1000;

/**
 * ListStateMachines and DescribeStateMachine of the stack's one STANDARD state machine, in the
 * shapes of the Step Functions API model: what an operator's `aws stepfunctions` tries first.
 */
export function stateMachineActions(options: MachineOptions) {
  const creationDate = new Date();
  const name = options.stateMachineArn.split(':').pop() as string;
  // The real Waits and timeouts, not the scaled ones the local interpreter runs.
  const definition = JSON.stringify(deployedDefinition(options).definition);
  return {
    ListStateMachines: (p: Record<string, unknown>) => {
      const size = p.maxResults === undefined ? 0 : Number(p.maxResults);
      if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
        throw new JsonFault(
          'ValidationException',
          `1 validation error detected: Value '${p.maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_PAGE_SIZE}`,
        );
      }
      // One machine fits any page, so this endpoint hands out no token to come back with.
      if (p.nextToken !== undefined) throw new JsonFault('InvalidToken', `Invalid Token: '${p.nextToken}'`);
      return {
        stateMachines: [
          {
            stateMachineArn: options.stateMachineArn,
            name,
            type: 'STANDARD',
            creationDate: seconds(creationDate),
          },
        ],
      };
    },
    DescribeStateMachine: (p: Record<string, unknown>) => {
      const arn = String(p.stateMachineArn ?? '');
      if (!STATE_MACHINE_ARN.test(arn)) throw new JsonFault('InvalidArn', `Invalid Arn: '${arn}'`);
      if (arn !== options.stateMachineArn)
        throw new JsonFault('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
      return {
        stateMachineArn: options.stateMachineArn,
        name,
        status: 'ACTIVE',
        // "If called with includedData = METADATA_ONLY, the returned definition will be {}" (API model).
        definition: p.includedData === 'METADATA_ONLY' ? '{}' : definition,
        roleArn: options.roleArn,
        type: 'STANDARD',
        creationDate: seconds(creationDate),
      };
    },
  };
}
