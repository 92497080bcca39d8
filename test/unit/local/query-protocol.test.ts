import { describe, expect, it } from 'vitest';
import { decodeQuery, list, queryError, queryResponse, toXml } from '../../../local/query-protocol.ts';

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
