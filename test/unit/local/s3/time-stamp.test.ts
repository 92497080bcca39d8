import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSimulatedClock, realNow } from '#local/runtime/clock.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from '#local/s3/server.ts';

// The 1,000-export burst's time scale: S3's 15 minutes of skew are 0.9 s of wall time.
const clock = installSimulatedClock(1000);
const BUCKET = 'exports';
const MINUTE = 60_000;
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3([BUCKET], () => {});
  // Each request is checked on the clock it was signed on, the nearer of the two: once the
  // simulated clock is an hour ahead of the real one (3.6 s here), the requests below are nearer to
  // it, as every request of the burst is after its first seconds.
  while (clock.now() - realNow() < 60 * MINUTE) await clock.sleep(60);
});

afterAll(async () => {
  await s3?.close();
});

/** A client on the simulated clock (with `systemClockOffset`), whose every attempt waits `lagMinutes` simulated minutes between its signature and its sending. */
function inProcessClient(
  options: { lagMinutes?: number; systemClockOffset?: number; maxAttempts?: number } = {},
): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 10,
    systemClockOffset: options.systemClockOffset ?? 0,
  });
  const lag = options.lagMinutes ?? 0;
  // After the retry middleware and the signature it makes for each attempt (finalizeRequest, low).
  client.middlewareStack.add(
    (next) => async (args) => {
      await clock.sleep(lag * 60);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'waitAfterSigning' },
  );
  return client;
}

const put = (key: string) => new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'part' });

describe('the local S3 time-stamp check at ×1,000', () => {
  it('accepts at its first attempt a request signed in this process that waited 16 simulated minutes (0.96 s) to be checked', async () => {
    // S3's 15 minutes measured in simulated time refused it (RequestTimeTooSkewed), and the SDK
    // did not retry: the late answer did not correct its clock. 5 of the burst's 1,000 exports
    // failed so.
    const client = inProcessClient({ lagMinutes: 16 });
    const written = await client.send(put('exports/part-0.parquet'));
    expect(written.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'exports/part-0.parquet' }));
    expect(head.ContentLength).toBe(4);
  });

  it('still refuses a request signed in this process more than 15 real minutes (250 simulated hours) ahead', async () => {
    // One attempt: the SDK would correct its clock from the answer and succeed at the second.
    const client = inProcessClient({ systemClockOffset: 16 * MINUTE * 1000, maxAttempts: 1 });
    await expect(client.send(put('exports/part-1.parquet'))).rejects.toMatchObject({
      name: 'RequestTimeTooSkewed',
      $metadata: { httpStatusCode: 403 },
    });
  });
});
