import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBSnapshotNotFoundFault,
  ExportTaskAlreadyExistsFault,
  ExportTaskNotFoundFault,
  IamRoleMissingPermissionsFault,
  IamRoleNotFoundFault,
  InvalidExportOnlyFault,
  InvalidExportSourceStateFault,
  InvalidS3BucketFault,
  KMSKeyNotAccessibleFault,
  RDSClient,
  RDSServiceException,
  StartExportTaskCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAwsError, isAwsError } from '#shared/aws/errors.ts';
import {
  AwsThrottledError,
  ExportParameterInvalidError,
  PipelineError,
  RETRYABLE_ERROR_NAMES,
} from '#shared/contract/errors.ts';

const meta = { $metadata: {} };

/** An RDS error the SDK has no class for arrives as RDSServiceException named after the wire code. */
const serviceError = (
  name: string,
  message: string,
  fault: 'client' | 'server' = 'client',
  httpStatusCode = 400,
) => new RDSServiceException({ name, message, $fault: fault, $metadata: { httpStatusCode } });

describe('classifyAwsError for RDS', () => {
  // The ten faults StartExportTask documents (RDS API reference, StartExportTask "Errors"), plus
  // ExportTaskNotFoundFault of DescribeExportTasks, each with the SDK's own exception class.
  it.each([
    [
      new DBSnapshotNotFoundFault({ message: 'DBSnapshot snap-1 not found.', ...meta }),
      'ExportSourceNotFoundError',
    ],
    [new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }), 'ExportSourceNotFoundError'],
    [
      new DBClusterNotFoundFault({ message: 'DBCluster c1 not found.', ...meta }),
      'ExportSourceNotFoundError',
    ],
    [new IamRoleNotFoundFault({ message: 'role not found', ...meta }), 'ExportRoleNotFoundError'],
    [
      new IamRoleMissingPermissionsFault({ message: 'missing s3:PutObject', ...meta }),
      'ExportRoleMissingPermissionsError',
    ],
    [
      new KMSKeyNotAccessibleFault({ message: 'key not accessible', ...meta }),
      'ExportKmsKeyNotAccessibleError',
    ],
    [new InvalidS3BucketFault({ message: 'bucket in another Region', ...meta }), 'ExportBucketInvalidError'],
    [new InvalidExportOnlyFault({ message: 'db.nope not found', ...meta }), 'ExportOnlyInvalidError'],
    [
      new InvalidExportSourceStateFault({ message: 'snapshot is creating', ...meta }),
      'ExportSourceNotReadyError',
    ],
    [new ExportTaskNotFoundFault({ message: 'task not found', ...meta }), 'ExportTaskNotFoundError'],
  ])('maps the SDK fault %s to %s', (fault, expected) => {
    const error = classifyAwsError(fault, 'rds', 'StartExportTask');
    expect(error.name).toBe(expected);
    expect(error).toBeInstanceOf(PipelineError);
  });

  it.each([
    ['DBSnapshotNotFound', 'ExportSourceNotFoundError'],
    ['DBClusterSnapshotNotFoundFault', 'ExportSourceNotFoundError'],
    ['IamRoleMissingPermissions', 'ExportRoleMissingPermissionsError'],
    ['IamRoleNotFound', 'ExportRoleNotFoundError'],
    ['InvalidExportOnly', 'ExportOnlyInvalidError'],
    ['InvalidExportSourceState', 'ExportSourceNotReadyError'],
    ['ExportTaskNotFound', 'ExportTaskNotFoundError'],
  ])('maps the Query wire code %s (no Fault suffix) to %s', (name, expected) => {
    expect(classifyAwsError(serviceError(name, 'x'), 'rds', 'StartExportTask').name).toBe(expected);
  });

  it('maps an invalid export task identifier (InvalidParameterValue) to the fatal ExportParameterInvalidError', () => {
    const error = classifyAwsError(
      serviceError(
        'InvalidParameterValue',
        'The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; ' +
          'must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
      ),
      'rds',
      'StartExportTask',
    );
    expect(error).toBeInstanceOf(ExportParameterInvalidError);
    expect(error.retryable).toBe(false);
  });

  it.each([
    ['Throttling', 'Rate exceeded', 400],
    ['ThrottlingException', 'Rate exceeded', 400],
    ['TooManyRequestsException', 'slow down', 429],
    ['RequestLimitExceeded', 'Request limit exceeded.', 503],
    ['SomethingNew', 'Rate exceeded', 400],
    ['SomethingNew', 'too fast', 429],
  ])('treats %s (%s, HTTP %i) as retryable throttling', (name, message, status) => {
    const error = classifyAwsError(
      serviceError(name, message, 'client', status),
      'rds',
      'DescribeExportTasks',
    );
    expect(error).toBeInstanceOf(AwsThrottledError);
    expect(error.retryable).toBe(true);
  });

  it.each([
    ['ExportTaskLimitReachedFault', 'Cannot start export task.'],
    ['QuotaExceededException', 'Quota exceeded.'],
    ['LimitExceededException', 'Limit exceeded.'],
    ['InvalidParameterCombination', 'You have reached the maximum number of concurrent export tasks (5).'],
    ['InvalidParameterValue', 'The quota for export tasks in progress has been reached.'],
    ['UnknownFault', 'Too many export tasks are running for this account.'],
  ])('recognises the undocumented past-quota error %s: %s', (name, message) => {
    const error = classifyAwsError(serviceError(name, message), 'rds', 'StartExportTask');
    expect(error.name).toBe('ExportQuotaExceededError');
    expect(error.retryable).toBe(true);
  });

  it.each([
    [serviceError('InternalFailure', 'internal', 'server', 500), 'a 500 InternalFailure'],
    [serviceError('ServiceUnavailable', 'unavailable', 'server', 503), 'a 503 ServiceUnavailable'],
    [serviceError('Whatever', 'bad gateway', 'server', 502), 'any server fault'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'a reset connection'],
    [
      Object.assign(new Error('getaddrinfo EAI_AGAIN rds.us-east-1.amazonaws.com'), { code: 'EAI_AGAIN' }),
      'DNS',
    ],
    [Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }), 'a timeout'],
  ])('treats %s (%s) as AwsServiceUnavailableError', (raw) => {
    const error = classifyAwsError(raw, 'rds', 'DescribeExportTasks');
    expect(error.name).toBe('AwsServiceUnavailableError');
    expect(error.retryable).toBe(true);
  });

  it('maps AccessDenied to the fatal ConfigurationError, keeping the AWS name and message', () => {
    const raw = serviceError(
      'AccessDenied',
      'User is not authorized to perform: rds:StartExportTask',
      'client',
      403,
    );
    const error = classifyAwsError(raw, 'rds', 'StartExportTask');
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toBe(
      'StartExportTask failed: AccessDenied: User is not authorized to perform: rds:StartExportTask',
    );
    expect(error.cause).toBe(raw);
  });

  it('keeps the original fault as cause and its name and message in the message the notifier shows', () => {
    const raw = new KMSKeyNotAccessibleFault({
      message: 'The specified KMS key is not accessible.',
      ...meta,
    });
    const error = classifyAwsError(raw, 'rds', 'StartExportTask');
    expect(error.message).toBe(
      'StartExportTask failed: KMSKeyNotAccessibleFault: The specified KMS key is not accessible.',
    );
    expect(error.cause).toBe(raw);
  });

  it('returns a pipeline error unchanged', () => {
    const original = new AwsThrottledError('already classified');
    expect(classifyAwsError(original, 'rds', 'StartExportTask')).toBe(original);
  });

  it('classifies something that is not an Error at all as unexpected', () => {
    const error = classifyAwsError('boom', 'rds', 'StartExportTask');
    expect(error.name).toBe('UnexpectedAwsError');
    expect(error.message).toContain('boom');
  });

  it('only ever produces retryable names the state machine may retry', () => {
    const retryable = [
      serviceError('Throttling', 'Rate exceeded'),
      serviceError('InternalFailure', 'x', 'server', 500),
      new InvalidExportSourceStateFault({ message: 'creating', ...meta }),
      serviceError('QuotaExceeded', 'x'),
    ].map((e) => classifyAwsError(e, 'rds', 'StartExportTask'));
    for (const error of retryable) {
      expect(error.retryable).toBe(true);
      expect(RETRYABLE_ERROR_NAMES).toContain(error.name);
    }
  });
});

describe("isAwsError(error, 'ExportTaskAlreadyExists')", () => {
  it('recognises the SDK fault and the bare wire code', () => {
    expect(
      isAwsError(new ExportTaskAlreadyExistsFault({ message: 'exists', ...meta }), 'ExportTaskAlreadyExists'),
    ).toBe(true);
    expect(isAwsError(serviceError('ExportTaskAlreadyExists', 'exists'), 'ExportTaskAlreadyExists')).toBe(
      true,
    );
  });

  it('is false for other faults', () => {
    expect(
      isAwsError(new ExportTaskNotFoundFault({ message: 'gone', ...meta }), 'ExportTaskAlreadyExists'),
    ).toBe(false);
    expect(isAwsError('ExportTaskAlreadyExistsFault', 'ExportTaskAlreadyExists')).toBe(false);
  });
});

describe('classifyAwsError on RDS errors as the SDK reads them off the wire', () => {
  // A local endpoint answers every call with the RDS Query protocol error document for the code
  // in the request's ExportTaskIdentifier, so the SDK's own deserialiser builds the error.
  let server: Server;
  let rds: RDSClient;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const [code = '', status = '400'] = (
          new URLSearchParams(body).get('ExportTaskIdentifier') ?? ''
        ).split('-');
        res.writeHead(Number(status), { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse xmlns="https://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>' +
            `<Code>${code}</Code><Message>message of ${code}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    rds = new RDSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    rds.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (code: string, status = 400) =>
    rds
      .send(
        new StartExportTaskCommand({
          ExportTaskIdentifier: `${code}-${status}`,
          SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:s',
          S3BucketName: 'bucket',
          IamRoleArn: 'arn:aws:iam::123456789012:role/r',
          KmsKeyId: 'key',
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );

  it.each([
    ['DBSnapshotNotFound', 404, 'ExportSourceNotFoundError'],
    ['DBClusterSnapshotNotFoundFault', 404, 'ExportSourceNotFoundError'],
    ['IamRoleMissingPermissions', 400, 'ExportRoleMissingPermissionsError'],
    ['KMSKeyNotAccessibleFault', 400, 'ExportKmsKeyNotAccessibleError'],
    ['InvalidExportSourceState', 400, 'ExportSourceNotReadyError'],
    ['InvalidParameterValue', 400, 'ExportParameterInvalidError'],
    ['Throttling', 400, 'AwsThrottledError'],
    ['ExportTaskLimitReached', 400, 'ExportQuotaExceededError'],
    ['InternalFailure', 500, 'AwsServiceUnavailableError'],
  ])('classifies the wire code %s (HTTP %i) as %s', async (code, status, expected) => {
    const error = await send(code, status);
    const classified = classifyAwsError(error, 'rds', 'StartExportTask');
    expect(classified.name).toBe(expected);
    expect(classified.message).toContain(`message of ${code}`);
  });

  it('recognises ExportTaskAlreadyExists as the SDK delivers it', async () => {
    expect(isAwsError(await send('ExportTaskAlreadyExists'), 'ExportTaskAlreadyExists')).toBe(true);
  });
});

describe('classifyAwsError for the other services', () => {
  const sdkError = (name: string, fault: 'client' | 'server' = 'client', httpStatusCode = 400) =>
    Object.assign(new Error(`message of ${name}`), { name, $fault: fault, $metadata: { httpStatusCode } });

  it.each([
    ['sns', 'KMSThrottlingException', 'AwsThrottledError'],
    ['sns', 'ThrottledException', 'AwsThrottledError'],
    ['sns', 'KMSDisabledException', 'ConfigurationError'],
    ['sns', 'NotFoundException', 'ConfigurationError'],
    ['sns', 'AuthorizationErrorException', 'ConfigurationError'],
    ['sfn', 'ExecutionLimitExceeded', 'AwsThrottledError'],
    ['sfn', 'StateMachineDoesNotExist', 'ConfigurationError'],
    ['sfn', 'ThrottlingException', 'AwsThrottledError'],
    ['glue', 'ConcurrentModificationException', 'AwsConflictError'],
    ['glue', 'InternalServiceException', 'AwsServiceUnavailableError'],
    ['glue', 'ResourceNumberLimitExceededException', 'ConfigurationError'],
    ['s3', 'SlowDown', 'AwsThrottledError'],
    ['ssm', 'ParameterNotFound', 'ConfigurationError'],
    ['neptune-graph', 'ConflictException', 'ExportQuotaExceededError'],
    ['neptune-graph', 'ThrottlingException', 'AwsThrottledError'],
  ] as const)('maps %s %s to %s from the service fault table', (service, name, expected) => {
    expect(classifyAwsError(sdkError(name), service, 'Call').name).toBe(expected);
  });

  it('takes the generic decisions from the SDK: 5xx and socket errors are transient for every service', () => {
    for (const service of ['sns', 'sfn', 'glue', 's3', 'ssm'] as const) {
      expect(classifyAwsError(sdkError('Whatever', 'server', 503), service, 'Call').retryable).toBe(true);
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      expect(classifyAwsError(reset, service, 'Call').name).toBe('AwsServiceUnavailableError');
    }
  });

  it('never reports the quota for a service that has no export quota', () => {
    expect(classifyAwsError(sdkError('LimitExceededException'), 'sns', 'Publish').name).toBe(
      'AwsThrottledError',
    );
  });
});
