import { describe, expect, it } from 'vitest';
import { requestProblems } from '../../e2e/api-models.ts';

describe('request validation against the AWS API models', () => {
  it('accepts a valid StartExportTask as the Query protocol logs it', () => {
    const params = {
      ExportTaskIdentifier: 'snap-1-abc',
      SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:snap-1',
      S3BucketName: 'b',
      IamRoleArn: 'arn:aws:iam::123456789012:role/r',
      KmsKeyId: 'k',
      ExportOnly: ['db.schema'],
    };
    expect(requestProblems({ service: 'rds', action: 'StartExportTask', params })).toEqual([]);
  });

  it('reports missing required members, unknown members, wrong types, ranges and enums', () => {
    expect(
      requestProblems({
        service: 'rds',
        action: 'StartExportTask',
        params: { ExportTaskIdentifier: 'x--y', Bogus: 1 },
      }),
    ).toEqual(
      expect.arrayContaining([
        'rds.StartExportTask.ExportTaskIdentifier: x--y does not match /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,59}(?<!-)$/',
        'rds.StartExportTask.SourceArn: required member missing',
        'rds.StartExportTask.Bogus: not a member of StartExportTaskMessage',
      ]),
    );
    expect(
      requestProblems({
        service: 'rds',
        action: 'DescribeExportTasks',
        params: { MaxRecords: 5, Filters: [{ Name: 'state', Values: ['x'] }] },
      }),
    ).toHaveLength(2);
    expect(requestProblems({ service: 'glue', action: 'GetTables', params: { DatabaseName: 7 } })).toEqual([
      'glue.GetTables.DatabaseName: expected a string',
    ]);
    expect(requestProblems({ service: 'sfn', action: 'Nope', params: {} })).toEqual([
      'sfn.Nope: no such operation in the API model',
    ]);
  });

  it('checks the scalar types of Query-protocol requests too, since those endpoints log typed values', () => {
    expect(
      requestProblems({
        service: 'rds',
        action: 'DescribeDBSnapshots',
        params: { MaxRecords: '20', IncludeShared: 'true' },
      }),
    ).toEqual([
      'rds.DescribeDBSnapshots.MaxRecords: expected a number',
      'rds.DescribeDBSnapshots.IncludeShared: expected a boolean',
    ]);
    expect(
      requestProblems({
        service: 'sns',
        action: 'Publish',
        params: { TopicArn: 't', Message: 'm', MessageAttributes: { status: { DataType: 'String' } } },
      }),
    ).toEqual([]);
  });
});
