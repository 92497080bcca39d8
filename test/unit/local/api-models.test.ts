import { describe, expect, it } from 'vitest';
import { requestProblems } from '#test/e2e/api-models.ts';

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

describe('neptune-graph requests against the API model', () => {
  const start = {
    graphIdentifier: 'g-0a1b2c3d4e',
    roleArn: 'arn:aws:iam::123456789012:role/graph-export',
    format: 'PARQUET',
    destination: 's3://b/exports/x/',
    kmsKeyIdentifier: 'arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-0b0a-4908-8706-050403020100',
    parquetType: 'COLUMNAR',
    exportFilter: { vertexFilter: { person: { properties: { emails: { multiValueHandling: 'TO_LIST' } } } } },
  };

  it('accepts a StartExportTask as the local endpoint logs it', () => {
    expect(requestProblems({ service: 'neptune-graph', action: 'StartExportTask', params: start })).toEqual(
      [],
    );
  });

  it('requires the key as an ARN, checks the identifiers, the enums and the filter’s nested members', () => {
    expect(
      requestProblems({
        service: 'neptune-graph',
        action: 'StartExportTask',
        params: {
          ...start,
          graphIdentifier: 'social-graph',
          kmsKeyIdentifier: '0f0e0d0c-0b0a-4908-8706-050403020100',
          format: 'JSON',
          exportFilter: {
            vertexFilter: { person: { properties: { emails: { multiValueHandling: 'ALL', size: 1 } } } },
          },
        },
      }),
    ).toEqual([
      'neptune-graph.StartExportTask.graphIdentifier: social-graph does not match /^g-[a-z0-9]{10}$/',
      'neptune-graph.StartExportTask.format: JSON not one of PARQUET, CSV',
      'neptune-graph.StartExportTask.kmsKeyIdentifier: 0f0e0d0c-0b0a-4908-8706-050403020100 does not match /^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key\\/[a-zA-Z0-9-]{36}$/',
      'neptune-graph.StartExportTask.exportFilter.vertexFilter.person.properties.emails.multiValueHandling: ALL not one of TO_LIST, PICK_FIRST',
      'neptune-graph.StartExportTask.exportFilter.vertexFilter.person.properties.emails.size: not a member of ExportFilterPropertyAttributes',
    ]);
    expect(
      requestProblems({ service: 'neptune-graph', action: 'ListExportTasks', params: { maxResults: '100' } }),
    ).toEqual(['neptune-graph.ListExportTasks.maxResults: expected a number']);
    expect(requestProblems({ service: 'neptune-graph', action: 'GetExportTask', params: {} })).toEqual([
      'neptune-graph.GetExportTask.taskIdentifier: required member missing',
    ]);
  });

  it('checks STS AssumeRole and EventBridge PutEvents as the local stack logs them', () => {
    const role = 'arn:aws:iam::111122223333:role/rds-export-local-member-access';
    expect(
      requestProblems({
        service: 'sts',
        action: 'AssumeRole',
        params: { RoleArn: role, RoleSessionName: 'waits' },
      }),
    ).toEqual([]);
    expect(
      requestProblems({
        service: 'sts',
        action: 'AssumeRole',
        params: { RoleArn: role, RoleSessionName: 'a b', DurationSeconds: 60 },
      }),
    ).toEqual([
      'sts.AssumeRole.RoleSessionName: a b does not match /^[\\w+=,.@-]{2,64}$/',
      'sts.AssumeRole.DurationSeconds: 60 outside 900..43200',
    ]);
    const entry = {
      Time: '2024-05-01T00:00:00.000Z',
      Source: 'aws.rds',
      Resources: ['arn:aws:rds:us-east-1:111122223333:snapshot:s-1'],
      DetailType: 'RDS DB Snapshot Event',
      Detail: '{"EventID":"RDS-EVENT-0042"}',
      EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
    };
    expect(
      requestProblems({ service: 'eventbridge', action: 'PutEvents', params: { Entries: [entry] } }),
    ).toEqual([]);
    expect(
      requestProblems({
        service: 'eventbridge',
        action: 'PutEvents',
        params: { Entries: [{ ...entry, Detail: '[1]', Account: '1' }] },
      }),
    ).toEqual([
      'eventbridge.PutEvents.Entries[0].Detail: not a JSON object',
      'eventbridge.PutEvents.Entries[0].Account: not a member of PutEventsRequestEntry',
    ]);
    expect(requestProblems({ service: 'eventbridge', action: 'PutEvents', params: { Entries: [] } })).toEqual(
      ['eventbridge.PutEvents.Entries: 0 items, at least 1'],
    );
  });
});
