import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { GraphFile, Inspected } from './graph-files.ts';
import { getText, type S3 } from './s3-export.ts';
import type { FileColumn } from './schema.ts';

/**
 * What a graph registration cut short by its time limit has read of the export's files so far: a
 * graph's labels are known only once every file is read (graph-files.ts), so the invocation that
 * runs out of time while reading keeps what it read here, beside the report, and the next one reads
 * only the files this does not hold. Like the report it lies at the export's root, which is never a
 * table location (graph-register.ts refuses it), and deleting the export deletes it too; its name
 * begins with `_`, so listGraphExport leaves it out as it leaves out every hidden file. Each distinct
 * schema is stored once: the files of one label share theirs.
 */
export const PROGRESS_FILE = '_rds-export-graph-files.json';

const Stored = z
  .object({
    version: z.literal(1),
    schemas: z.array(
      z.object({
        columns: z.array(z.looseObject({ name: z.string(), type: z.string() })),
        comments: z.array(z.tuple([z.string(), z.string()])),
      }),
    ),
    files: z.array(
      z.union([
        z.object({ key: z.string(), problem: z.string() }),
        z.object({
          key: z.string(),
          size: z.number(),
          kind: z.enum(['vertex', 'edge']),
          label: z.string().optional(),
          empty: z.boolean(),
          schema: z.number().int().nonnegative(),
        }),
      ]),
    ),
  })
  .refine(
    (s) => s.files.every((f) => 'problem' in f || f.schema < s.schemas.length),
    'a file names a schema the record lacks',
  );

/** Writes every file read so far (those of the earlier invocations and this one's). */
export async function writeProgress(
  s3: S3,
  bucket: string,
  root: string,
  inspected: Iterable<Inspected>,
): Promise<void> {
  const schemas: z.infer<typeof Stored>['schemas'] = [];
  const index = new Map<string, number>();
  const files: z.infer<typeof Stored>['files'] = [];
  for (const i of inspected) {
    if ('problem' in i) {
      files.push({ key: i.key, problem: i.problem });
      continue;
    }
    const schema = { columns: i.columns, comments: [...i.comments] };
    const text = JSON.stringify(schema);
    let at = index.get(text);
    if (at === undefined) {
      at = schemas.push(schema) - 1;
      index.set(text, at);
    }
    const label = i.label === undefined ? {} : { label: i.label };
    files.push({ key: i.key, size: i.size, kind: i.kind, ...label, empty: i.empty, schema: at });
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${root}${PROGRESS_FILE}`,
      Body: JSON.stringify({ version: 1, schemas, files }),
      ContentType: 'application/json',
    }),
  );
}

/**
 * The files the earlier invocations read, by key. The cursor says they wrote them: an unreadable
 * record fails the invocation (retried by the state machine) rather than reading everything again.
 */
export async function readProgress(s3: S3, bucket: string, root: string): Promise<Map<string, Inspected>> {
  const stored = Stored.parse(JSON.parse(await getText(s3, bucket, `${root}${PROGRESS_FILE}`)));
  const out = new Map<string, Inspected>();
  for (const f of stored.files) {
    if ('problem' in f) {
      out.set(f.key, f);
      continue;
    }
    const schema = stored.schemas[f.schema] as (typeof stored.schemas)[number];
    const file: GraphFile = {
      key: f.key,
      size: f.size,
      kind: f.kind,
      label: f.label,
      columns: schema.columns as FileColumn[],
      comments: new Map(schema.comments),
      empty: f.empty,
    };
    out.set(f.key, file);
  }
  return out;
}
