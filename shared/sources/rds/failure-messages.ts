import type { RdsExportJob } from '#shared/contract/execution.ts';
import type { FailureExplanation } from '#shared/sources/kinds/types.ts';
import {
  EXPORT_SERVICE_PRINCIPAL,
  exportRoleS3Policy,
  exportRoleTrustPolicy,
  jsonBlock,
} from './policy-statements.ts';
import { bucketRemedy, kmsRemedy, roleMissingPermissionsRemedy } from './remedies.ts';

interface Captured {
  bucket?: string;
  role?: string;
  key?: string;
  action?: string;
  code?: string;
}

interface FailureMessage {
  id: string;
  /**
   * The documented message's leading text with its placeholders ([bucket name], [role ARN], [key ID],
   * [S3 action], [error code]). Only the part that identifies the message: the advice that follows
   * varies between releases ("Review your..." vs "Please, review your...").
   */
  documented: string;
  fix: (job: RdsExportJob, captured: Captured) => string;
}

/**
 * "Failure messages for Amazon S3 export tasks" (Aurora User Guide, Exporting DB cluster snapshot
 * data to Amazon S3). More specific messages come first: the bare "unknown internal error" message
 * is a prefix of the metadata one.
 */
const FAILURE_MESSAGES: readonly FailureMessage[] = [
  {
    id: 'internal-error-writing-metadata',
    documented:
      "An unknown internal error occurred writing the export task's metadata to the S3 bucket [bucket name].",
    fix: ({ request }, c) =>
      `RDS could not write the export metadata to bucket ${c.bucket ?? request.S3BucketName}. Check that the ` +
      'bucket exists and that its bucket policy does not deny the export role, then start the export again ' +
      '(with a new identifier). If it fails again, open an AWS Support case quoting the export task identifier.',
  },
  {
    id: 'internal-error',
    documented: 'An unknown internal error occurred.',
    fix: ({ exportTaskIdentifier }) =>
      'The export failed inside RDS for no stated reason. Start the export again (with a new identifier); ' +
      `if it fails again, open an AWS Support case quoting export task ${exportTaskIdentifier}.`,
  },
  {
    id: 'cannot-assume-role',
    documented:
      "The RDS export failed to write the export task's metadata because it can't assume the IAM role [role ARN].",
    fix: ({ request }, c) =>
      [
        `RDS cannot assume the export role ${c.role ?? request.IamRoleArn}. Check the role exists and set its ` +
          `trust policy so ${EXPORT_SERVICE_PRINCIPAL} can assume it:`,
        jsonBlock(exportRoleTrustPolicy()),
      ].join('\n\n'),
  },
  {
    id: 'metadata-write-denied',
    documented:
      "The RDS export failed to write the export task's metadata to the S3 bucket [bucket name] using the IAM " +
      'role [role ARN] with the KMS key [key ID]. Error code: [error code]',
    fix: (job, c) => {
      const bucket = c.bucket ?? job.request.S3BucketName;
      const role = c.role ?? job.request.IamRoleArn;
      const parts = [
        `The export could not write to bucket ${bucket} as role ${role} with key ${c.key ?? job.request.KmsKeyId}` +
          `${c.code ? ` (error code ${c.code})` : ''}: the role, the bucket policy or the key policy is misconfigured.`,
      ];
      const kmsCode = c.code !== undefined && /kms|key/i.test(c.code);
      if (!kmsCode) {
        parts.push(`Give the role this policy (and make sure the bucket policy does not deny it):`);
        parts.push(jsonBlock(exportRoleS3Policy(bucket)));
      }
      parts.push(kmsRemedy(job));
      return parts.join('\n\n');
    },
  },
  {
    id: 'role-not-authorized-for-action',
    documented:
      "The IAM role [role ARN] isn't authorized to call [S3 action] on the S3 bucket [bucket name].",
    fix: ({ request }, c) => {
      const bucket = c.bucket ?? request.S3BucketName;
      return [
        `Allow role ${c.role ?? request.IamRoleArn} to call ${c.action ?? 'the S3 action named above'} on ` +
          `arn:aws:s3:::${bucket} and arn:aws:s3:::${bucket}/* (and check the bucket policy does not deny it). ` +
          'The complete policy the export role needs:',
        jsonBlock(exportRoleS3Policy(bucket)),
      ].join('\n\n');
    },
  },
  {
    id: 'kms-check-failed',
    documented: 'KMS key check failed.',
    fix: (job) => kmsRemedy(job),
  },
  {
    id: 's3-check-failed',
    documented: 'S3 credential check failed.',
    fix: (job) => roleMissingPermissionsRemedy(job),
  },
  {
    id: 'bucket-invalid',
    documented: "The S3 bucket [bucket name] isn't valid.",
    fix: (job) => bucketRemedy(job),
  },
  {
    id: 'bucket-wrong-region',
    documented: "The S3 bucket [bucket name] isn't located in the current AWS Region.",
    fix: (job) => bucketRemedy(job),
  },
];

const PLACEHOLDERS: Record<string, keyof Captured> = {
  'bucket name': 'bucket',
  'role ARN': 'role',
  'key ID': 'key',
  'S3 action': 'action',
  'error code': 'code',
};

/** Documented text → regex: literal words, flexible spacing and quotes, placeholders as named groups. */
function toRegex(documented: string): RegExp {
  const pieces = documented.split(/\[([^\]]+)\]/);
  let source = '^';
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) {
      const group = PLACEHOLDERS[piece] ?? 'code';
      // A placeholder at the very end has no following literal to stop a lazy match.
      source += i === pieces.length - 2 && pieces[i + 1] === '' ? `(?<${group}>.+)` : `(?<${group}>\\S+?)`;
    } else {
      source += piece
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/'/g, "['’]")
        .replace(/\s+/g, '\\s+')
        .replace(/\\\.$/, '\\.?');
    }
  });
  // The documented text must end at a word boundary, or a lazy placeholder before a final "." would
  // match a single character.
  return new RegExp(`${source}(?=\\s|$)`, 'i');
}

const COMPILED = FAILURE_MESSAGES.map((m) => ({ ...m, regex: toRegex(m.documented) }));

/** Matches an RDS export task's `FailureCause` against the documented failure messages and gives the fix. */
export function explainRdsFailure(cause: string | undefined, job: RdsExportJob): FailureExplanation {
  const text = (cause ?? '').trim();
  for (const message of COMPILED) {
    const match = message.regex.exec(text);
    if (match) {
      const captured = Object.fromEntries(
        Object.entries(match.groups ?? {})
          .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
          .map(([k, v]) => [k, v.replace(/^["'`]|["'`.,;:]+$/g, '')]),
      ) as Captured;
      return { matched: message.id, fix: message.fix(job, captured) };
    }
  }
  return {
    fix:
      (text === ''
        ? 'RDS gave no failure cause. '
        : 'This failure cause is not one of the documented export failure messages. ') +
      `Check the export with \`aws rds describe-export-tasks --export-task-identifier ${job.exportTaskIdentifier}\`. ` +
      'Exports also fail on a large object (BLOB/CLOB) of about 500 MB or more: exclude that table with ' +
      'ExportOnly. Then start the export again (with a new identifier).',
  };
}
