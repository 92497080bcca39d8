import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { SnapshotSource } from '#shared/machine-contract.ts';
import type { RecentExport } from '#shared/policy/decide.ts';

/** Executions that count for the interval guard: one that runs or one that exported. */
const COUNTED = new Set(['RUNNING', 'SUCCEEDED']);

const JobSource = z.object({
  source: z.object({ kind: z.string(), sourceIdentifier: z.string(), arn: z.string() }),
});

/**
 * Finds the newest RUNNING or SUCCEEDED export of `source`'s DB instance / cluster started after
 * `since`. ListExecutions returns the newest first, so paging stops at the first execution older
 * than the window; DescribeExecution reads each candidate's input to learn its source.
 */
export function recentExportFinder(sfn: Pick<SFNClient, 'send'>, stateMachineArn: string) {
  return async (source: SnapshotSource, since: Date): Promise<RecentExport | undefined> => {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, nextToken }));
      for (const execution of page.executions ?? []) {
        if (execution.startDate === undefined || execution.startDate < since) return undefined;
        if (!COUNTED.has(execution.status ?? '') || execution.executionArn === undefined) continue;
        const described = await sfn.send(
          new DescribeExecutionCommand({ executionArn: execution.executionArn }),
        );
        const input = parseInput(described.input);
        if (input?.source.sourceIdentifier !== source.sourceIdentifier || input.source.kind !== source.kind)
          continue;
        return {
          executionName: execution.name ?? execution.executionArn,
          status: described.status ?? execution.status ?? 'UNKNOWN',
          startDate: execution.startDate.toISOString(),
          snapshotArn: input.source.arn,
        };
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return undefined;
  };
}

function parseInput(input: string | undefined): z.infer<typeof JobSource> | undefined {
  if (input === undefined) return undefined;
  try {
    const parsed = JobSource.safeParse(JSON.parse(input));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // An execution started by hand with other input is not one of ours to count.
    return undefined;
  }
}
