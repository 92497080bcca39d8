import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Test stand-in for S3 over an in-memory key → bytes map: paged ListObjectsV2, ranged GetObject,
 * and PutObject (what it writes is in `written` too).
 */
export function memoryS3(initial: ReadonlyMap<string, Uint8Array>, pageSize = 1000) {
  const mock = mockClient(S3Client);
  const objects = new Map(initial);
  const written = new Map<string, string>();
  mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    objects.set(input.Key, new TextEncoder().encode(input.Body));
    written.set(input.Key, input.Body);
    return {};
  });
  const ranges: { key: string; range?: string; bytes: number }[] = [];
  mock.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; ContinuationToken?: string }) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + pageSize);
    const more = start + pageSize < keys.length;
    return {
      Contents: page.map((Key) => ({ Key, Size: objects.get(Key)?.byteLength ?? 0 })),
      IsTruncated: more,
      NextContinuationToken: more ? String(start + pageSize) : undefined,
      KeyCount: page.length,
    };
  });
  mock.on(GetObjectCommand).callsFake((input: { Key: string; Range?: string }) => {
    const data = objects.get(input.Key);
    if (!data) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    let bytes = data;
    const m = input.Range ? /^bytes=(\d+)-(\d+)?$/.exec(input.Range) : null;
    if (m) bytes = data.subarray(Number(m[1]), m[2] === undefined ? data.byteLength : Number(m[2]) + 1);
    ranges.push({ key: input.Key, range: input.Range, bytes: bytes.byteLength });
    const copy = new Uint8Array(bytes);
    return {
      ContentLength: copy.byteLength,
      Body: {
        transformToByteArray: async () => copy,
        transformToString: async () => new TextDecoder().decode(copy),
      },
    };
  });
  return { client: new S3Client({ region: 'us-east-1' }), mock, ranges, written };
}
