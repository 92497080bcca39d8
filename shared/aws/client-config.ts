/**
 * The configuration every SDK client of the functions is built with (`new GlueClient(SDK_CLIENT_CONFIG)`,
 * `new S3Client({ ...SDK_CLIENT_CONFIG, forcePathStyle })`). One layer owns each retry: inside an
 * invocation the SDK's retry strategy retries every call, nothing in the code retries it again, and
 * across invocations the state machine's `Retry` blocks do (statemachines/export.asl.yml; the
 * totals are in docs/architecture.md, "Retries: one layer owns each").
 *
 * `retryMode` and `maxAttempts` are the client options of the AWS SDKs' retry behavior (AWS SDKs and
 * Tools Reference Guide, "Retry behavior"; the clients' `retryMode` and `maxAttempts` config fields
 * link to that page). `adaptive` is `standard` (exponential backoff with jitter, retry quota) plus
 * client-side rate limiting: after a throttling error the client lowers its own sending rate, so
 * the 16 registrations register-export runs at once slow down together instead of each retrying
 * into the throttle. The guide recommends it for a client that talks to one throttled resource,
 * and a throttle on one resource slows the whole client: each function builds its clients once and
 * uses each for one service.
 *
 * Five attempts: in this SDK version a retry after throttling waits a random time up to 1, 2, 4 and
 * 8 s, at most 15 s in all, and one after a transient error up to 50 ms × 2^n (@smithy/core
 * util-retry, `Retry.throttlingDelay`, `Retry.delay`, `DefaultRetryBackoffStrategy`), which fits
 * the shortest function timeout (30 s); the rate limiter may delay a first attempt as well.
 */
export const SDK_CLIENT_CONFIG = Object.freeze({ maxAttempts: 5, retryMode: 'adaptive' });

/**
 * The S3 client of the export buckets (`new S3Client(exportBucketsS3Config(pathStyle))`). A bucket
 * may be in another Region than the function's: a Region's own (the policy's `regions:`, or a
 * rule's `bucket`), as RDS writes only to a bucket in the snapshot's Region. S3 answers a request
 * sent to the wrong Region with `301 PermanentRedirect` (S3 API reference, "Error responses")
 * carrying the bucket's Region in `x-amz-bucket-region`; with `followRegionRedirects` the client
 * resends it there (S3Client config; @aws-sdk/middleware-sdk-s3's region redirect, which also
 * follows the `400` S3 answers for Regions launched after March 2019 and for HeadBucket).
 */
export const exportBucketsS3Config = (forcePathStyle: boolean) =>
  Object.freeze({ ...SDK_CLIENT_CONFIG, forcePathStyle, followRegionRedirects: true });
