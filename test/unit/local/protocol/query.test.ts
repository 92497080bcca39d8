import * as rds from '@aws-sdk/client-rds';
import * as sns from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { decodeQuery, decodeRequest, list, queryError, queryResponse, toXml } from '#local/protocol/query.ts';

describe('the Query protocol codec', () => {
  it('decodes member lists and filter lists into the API shapes', () => {
    const body =
      'Action=DescribeExportTasks&Version=2014-10-31&Filters.Filter.1.Name=status' +
      '&Filters.Filter.1.Values.Value.1=starting&Filters.Filter.1.Values.Value.2=in_progress' +
      '&Filters.Filter.2.Name=s3-bucket&Filters.Filter.2.Values.Value.1=b&ExportOnly.member.1=db.s&MaxRecords=20';
    expect(decodeQuery(body)).toEqual({
      Action: 'DescribeExportTasks',
      Version: '2014-10-31',
      Filters: [
        { Name: 'status', Values: ['starting', 'in_progress'] },
        { Name: 's3-bucket', Values: ['b'] },
      ],
      ExportOnly: ['db.s'],
      MaxRecords: '20',
    });
  });

  it('decodes SNS message attribute entries', () => {
    const body =
      'Action=Publish&MessageAttributes.entry.1.Name=status&MessageAttributes.entry.1.Value.DataType=String' +
      '&MessageAttributes.entry.1.Value.StringValue=failed';
    expect(decodeQuery(body).MessageAttributes).toEqual([
      { Name: 'status', Value: { DataType: 'String', StringValue: 'failed' } },
    ]);
  });

  it('writes named lists, member lists and escapes text', () => {
    expect(toXml({ A: list('Tag', [{ Key: 'k<' }]), B: ['x&y'], C: undefined })).toBe(
      '<A><Tag><Key>k&lt;</Key></Tag></A><B><member>x&amp;y</member></B>',
    );
  });

  it('wraps results and errors the way the SDK parses them', () => {
    expect(queryResponse('urn:ns', 'Op', { X: 1 }, 'r1')).toContain(
      '<OpResponse xmlns="urn:ns"><OpResult><X>1</X></OpResult>',
    );
    expect(queryError('Sender', 'Code1', 'm', 'r1')).toContain(
      '<Error><Type>Sender</Type><Code>Code1</Code><Message>m</Message></Error>',
    );
  });
});

const RDS_VERSION = 'Version=2014-10-31';

describe('decoding a Query request by the API model', () => {
  it('makes MaxRecords a number and a list of filters arrays of strings', () => {
    const body =
      `Action=DescribeExportTasks&${RDS_VERSION}&MaxRecords=100&Filters.Filter.1.Name=status` +
      '&Filters.Filter.1.Values.Value.1=starting&Filters.Filter.1.Values.Value.2=in_progress';
    expect(decodeRequest(body, rds)).toEqual({
      action: 'DescribeExportTasks',
      version: '2014-10-31',
      params: { MaxRecords: 100, Filters: [{ Name: 'status', Values: ['starting', 'in_progress'] }] },
    });
  });

  it('makes booleans booleans, timestamps dates and the empty-list marker an empty list', () => {
    const snapshots = decodeRequest(
      `Action=DescribeDBSnapshots&${RDS_VERSION}&IncludeShared=true&IncludePublic=false`,
      rds,
    );
    expect(snapshots.params).toEqual({ IncludeShared: true, IncludePublic: false });
    const events = decodeRequest(
      `Action=DescribeEvents&${RDS_VERSION}&StartTime=2024-05-01T06:10:00Z&Duration=60&EventCategories=`,
      rds,
    );
    expect(events.params).toEqual({
      StartTime: new Date('2024-05-01T06:10:00Z'),
      Duration: 60,
      EventCategories: [],
    });
  });

  it('makes the SNS message attribute entries the map the API names', () => {
    const body =
      'Action=Publish&TopicArn=t&Message=m&MessageAttributes.entry.1.Name=status' +
      '&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=failed';
    expect(decodeRequest(body, sns).params).toEqual({
      TopicArn: 't',
      Message: 'm',
      MessageAttributes: { status: { DataType: 'String', StringValue: 'failed' } },
    });
  });

  it('keeps parameters the model does not name as text, as AWS ignores them', () => {
    const decoded = decodeRequest(`Action=DescribeExportTasks&${RDS_VERSION}&MaxRecords=20&Extra=7`, rds);
    expect(decoded.params).toEqual({ MaxRecords: 20, Extra: '7' });
    expect(decoded.invalid).toBeUndefined();
  });

  it('keeps every parameter as text for an action the SDK does not know', () => {
    expect(decodeRequest('Action=Nope&MaxRecords=abc', rds)).toEqual({
      action: 'Nope',
      version: undefined,
      params: { MaxRecords: 'abc' },
    });
  });

  it('refuses an integer that does not parse, naming the member, and keeps the text it was sent', () => {
    const decoded = decodeRequest(`Action=DescribeExportTasks&${RDS_VERSION}&MaxRecords=abc`, rds);
    expect(decoded.invalid).toMatchObject({
      parameter: 'MaxRecords',
      message: 'Invalid value "abc" for parameter MaxRecords: expected a number.',
    });
    expect(decoded.params).toEqual({ MaxRecords: 'abc' });
  });

  it('names a nested parameter by its wire key and refuses each scalar type that does not parse', () => {
    const refused = (body: string, sdk: Record<string, unknown>) =>
      decodeRequest(body, sdk).invalid?.parameter;
    expect(refused(`Action=DescribeDBSnapshots&${RDS_VERSION}&IncludeShared=yes`, rds)).toBe('IncludeShared');
    expect(refused(`Action=DescribeEvents&${RDS_VERSION}&StartTime=yesterday`, rds)).toBe('StartTime');
    expect(refused(`Action=DescribeExportTasks&${RDS_VERSION}&MaxRecords=1e999`, rds)).toBe('MaxRecords');
    expect(refused(`Action=DescribeExportTasks&${RDS_VERSION}&Filters=status`, rds)).toBe('Filters');
    expect(
      refused(`Action=DescribeExportTasks&${RDS_VERSION}&Filters.Filter.1.Values.Value.1.X=a`, rds),
    ).toBe('Filters.Filter.1.Values.Value.1');
    expect(
      refused(
        'Action=Publish&Message=m&MessageAttributes.entry.1.Name=a' +
          '&MessageAttributes.entry.1.Value.DataType=Binary&MessageAttributes.entry.1.Value.BinaryValue=%21%21',
        sns,
      ),
    ).toBe('MessageAttributes.entry.1.Value.BinaryValue');
  });
});
