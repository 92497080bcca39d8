import {
  DescribeExportTasksCommand,
  paginateDescribeExportTasks,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cappedPages, collectPages, PageCapError } from '#shared/aws/pages.ts';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'us-east-1' });

beforeEach(() => rds.reset());

/** A listing of `pages` pages: page n answers Marker `m<n>` and names the next one. */
function listing(pages: number) {
  for (let n = 0; n < pages; n++) {
    rds.on(DescribeExportTasksCommand, { Marker: n === 0 ? undefined : `m${n}` }).resolves({
      ExportTasks: [{ ExportTaskIdentifier: `t${n}` }],
      ...(n + 1 < pages ? { Marker: `m${n + 1}` } : {}),
    });
  }
}

const markers = () => rds.commandCalls(DescribeExportTasksCommand).map((c) => c.args[0].input.Marker);

describe('collectPages', () => {
  it('reads every page, each request with its own marker and the page size', async () => {
    listing(3);
    const pages = await collectPages(
      paginateDescribeExportTasks,
      { client, pageSize: 100 },
      {},
      { maxPages: 10, atCap: 'fail' },
    );
    expect(pages.map((p) => p.ExportTasks?.[0]?.ExportTaskIdentifier)).toEqual(['t0', 't1', 't2']);
    expect(markers()).toEqual([undefined, 'm1', 'm2']);
    expect(rds.commandCalls(DescribeExportTasksCommand)[0]?.args[0].input.MaxRecords).toBe(100);
  });

  it('keeps a page size the input names over the configured one', async () => {
    listing(1);
    await collectPages(
      paginateDescribeExportTasks,
      { client, pageSize: 100 },
      { MaxRecords: 20 },
      { maxPages: 10, atCap: 'fail' },
    );
    expect(rds.commandCalls(DescribeExportTasksCommand)[0]?.args[0].input.MaxRecords).toBe(20);
  });

  it('stops when the service repeats a marker instead of paging forever', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [], Marker: 'same' });
    const pages = await collectPages(
      paginateDescribeExportTasks,
      { client },
      {},
      { maxPages: 10, atCap: 'fail' },
    );
    expect(pages).toHaveLength(2);
    expect(markers()).toEqual([undefined, 'same']);
  });

  it('keeps the pages read at the cap, asking for no more, when the cap truncates', async () => {
    listing(5);
    const pages = await collectPages(
      paginateDescribeExportTasks,
      { client },
      {},
      { maxPages: 3, atCap: 'truncate' },
    );
    expect(pages).toHaveLength(3);
    expect(markers()).toEqual([undefined, 'm1', 'm2']);
  });

  it('fails when a page beyond the cap exists and the cap fails', async () => {
    listing(4);
    await expect(
      collectPages(paginateDescribeExportTasks, { client }, {}, { maxPages: 3, atCap: 'fail' }),
    ).rejects.toThrow(new PageCapError('The listing has more than 3 pages'));
    // Fatal under the state machine's contract: the listing is as long on a retry.
    await expect(
      collectPages(paginateDescribeExportTasks, { client }, {}, { maxPages: 3, atCap: 'fail' }),
    ).rejects.toMatchObject({ name: 'UnexpectedAwsError', retryable: false });
  });

  it('reads a listing of exactly the cap without failing', async () => {
    listing(3);
    const pages = await collectPages(
      paginateDescribeExportTasks,
      { client },
      {},
      { maxPages: 3, atCap: 'fail' },
    );
    expect(pages).toHaveLength(3);
  });

  it("passes the service's error on as it came", async () => {
    const fault = new RDSServiceException({
      name: 'InternalFailure',
      message: 'oops',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    rds.on(DescribeExportTasksCommand).rejects(fault);
    await expect(
      collectPages(paginateDescribeExportTasks, { client }, {}, { maxPages: 3, atCap: 'fail' }),
    ).rejects.toBe(fault);
  });
});

describe('cappedPages', () => {
  it('asks for no further page once the consumer stops', async () => {
    listing(5);
    for await (const page of cappedPages(
      paginateDescribeExportTasks,
      { client },
      {},
      { maxPages: 10, atCap: 'fail' },
    )) {
      if (page.Marker === 'm2') break;
    }
    expect(markers()).toEqual([undefined, 'm1']);
  });
});
