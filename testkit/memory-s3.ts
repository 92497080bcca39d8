import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeletedObject,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';

/** One version of a key in a versioning-enabled bucket: its bytes, or a delete marker (no bytes). */
export type MemoryVersion = { versionId: string; body?: Uint8Array };

/** An S3Client over a map of objects, with the requests it answered. */
export type MemoryS3 = S3Client & {
  requests: number;
  /** Each request's operation (`ListObjectVersions`, `DeleteObjects`, …), in order. */
  calls: string[];
  /**
   * Every version of each key, newest first, when the bucket is versioned; `objects` then holds
   * each key's newest version unless that is a delete marker. A test may add older versions here.
   */
  versions: Map<string, MemoryVersion[]>;
};

/** S3's page size, and the most a request may ask for (MaxKeys, ListObjectsV2 and ListObjectVersions API reference). */
const PAGE = 1000;

/** The first index of `sorted` whose key is not below `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? '') < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type MemoryS3Options = {
  /** A versioning-enabled bucket: each key keeps its versions and delete markers. */
  versioned?: boolean;
  /** Waited before each request is answered (as MemoryGlue's `latencyMs`), for the benchmarks. */
  latencyMs?: number;
};

/**
 * An in-memory S3 for the benchmarks: ListObjectsV2 by prefix in pages of 1,000 keys, ranged
 * GetObject (`bytes=a-b`), PutObject into the same map, and, for prune, ListObjectVersions and
 * DeleteObjects. Unversioned (the default), every object has the version ID `null` (S3 user guide,
 * "Working with objects in a versioning-enabled bucket"); with `versioned`, each key keeps its
 * versions and delete markers. It is an S3Client because the SDK's paginators (paginateListObjectsV2)
 * take no other client, and its `send` is its class's, as the SDK's is, so that a client wrapped by
 * `classified` (shared/aws/classified.ts, which calls the class's `send`) still answers from memory;
 * `requests` and `calls` count every request.
 */
export function memoryS3(objects: Map<string, Uint8Array>, options: MemoryS3Options = {}): MemoryS3 {
  const versioned = options.versioned === true;
  const latencyMs = options.latencyMs ?? 0;
  const versions = new Map<string, MemoryVersion[]>();
  let seq = 0;
  const newVersionId = () => `v${String(++seq).padStart(8, '0')}`;
  if (versioned) for (const [key, body] of objects) versions.set(key, [{ versionId: newVersionId(), body }]);
  // Sorted once per new key. A key whose newest version is gone or a delete marker may stay in the
  // list (`stale`): it lists no current object, and only its versions.
  let sorted: string[] | undefined;
  let stale = versioned;
  const keys = () => {
    sorted ??= [...new Set([...objects.keys(), ...versions.keys()])].sort();
    return sorted;
  };
  const versionsOf = (key: string): MemoryVersion[] => {
    if (versioned) return versions.get(key) ?? [];
    const body = objects.get(key);
    return body === undefined ? [] : [{ versionId: 'null', body }];
  };
  /** `objects` follows the newest version of `key`. */
  const settle = (key: string, list: MemoryVersion[]) => {
    if (list.length === 0) versions.delete(key);
    else versions.set(key, list);
    const body = list[0]?.body;
    if (body !== undefined) objects.set(key, body);
    else stale = objects.delete(key) || stale;
  };
  /**
   * One key of a DeleteObjects request. Naming a version removes it for good; without one, a
   * versioned bucket adds a delete marker (S3 user guide, "Deleting object versions from a
   * versioning-enabled bucket"). A version that is not there is reported deleted (S3 API reference,
   * DeleteObjects).
   */
  const deleteOne = (key: string, versionId: string | undefined): DeletedObject => {
    if (!versioned) {
      if (versionId === undefined || versionId === 'null') stale = objects.delete(key) || stale;
      return versionId === undefined ? { Key: key } : { Key: key, VersionId: versionId };
    }
    const list = versions.get(key) ?? [];
    if (versionId === undefined) {
      const marker = newVersionId();
      if (list.length === 0) sorted = undefined;
      settle(key, [{ versionId: marker }, ...list]);
      return { Key: key, DeleteMarker: true, DeleteMarkerVersionId: marker };
    }
    const gone = list.find((v) => v.versionId === versionId);
    settle(
      key,
      list.filter((v) => v !== gone),
    );
    return gone !== undefined && gone.body === undefined
      ? { Key: key, VersionId: versionId, DeleteMarker: true, DeleteMarkerVersionId: versionId }
      : { Key: key, VersionId: versionId };
  };
  class InMemory extends S3Client {
    // biome-ignore lint/suspicious/noExplicitAny: answers every command S3Client.send takes.
    override send(command: any): Promise<any> {
      return answer(command);
    }
  }
  const s3 = Object.assign(new InMemory({ region: 'us-east-1' }), {
    requests: 0,
    calls: [] as string[],
    versions,
  });
  async function answer(command: unknown): Promise<unknown> {
    s3.requests++;
    s3.calls.push(String((command as object)?.constructor?.name).replace(/Command$/, ''));
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (command instanceof ListObjectsV2Command) {
      // Keys sorted, so a prefix's keys are one run: a page starts where the last one ended (the
      // token is the last key returned; S3's tokens are opaque), not by filtering every key.
      const prefix = command.input.Prefix ?? '';
      const all = keys();
      const token = command.input.ContinuationToken;
      let i = token === undefined ? lowerBound(all, prefix) : lowerBound(all, token) + 1;
      const listed = (k: string | undefined) => k?.startsWith(prefix) === true;
      const current = (k: string) => !stale || objects.has(k);
      const page: string[] = [];
      for (; page.length < PAGE && listed(all[i]); i++) {
        const k = all[i] ?? '';
        if (current(k)) page.push(k);
      }
      while (listed(all[i]) && !current(all[i] ?? '')) i++;
      const more = listed(all[i]);
      return {
        Contents: page.map((Key) => ({ Key, Size: objects.get(Key)?.byteLength })),
        IsTruncated: more,
        NextContinuationToken: more ? page[page.length - 1] : undefined,
      };
    }
    if (command instanceof ListObjectVersionsCommand) return listVersions(command.input);
    if (command instanceof DeleteObjectsCommand) {
      const wanted = command.input.Delete?.Objects ?? [];
      if (wanted.length > PAGE)
        throw new Error(
          'memory S3: DeleteObjects takes at most 1,000 keys (S3 API reference, DeleteObjects)',
        );
      const Deleted = wanted.map((o) => deleteOne(o.Key ?? '', o.VersionId));
      // Quiet mode answers only the keys that failed (S3 API reference, DeleteObjects); none fail here.
      return command.input.Delete?.Quiet ? {} : { Deleted };
    }
    if (command instanceof GetObjectCommand) {
      const data = objects.get(command.input.Key ?? '') ?? new Uint8Array();
      const m = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? '');
      const bytes = m ? data.subarray(Number(m[1]), Number(m[2]) + 1) : data;
      return {
        Body: {
          transformToByteArray: async () => bytes,
          transformToString: async () => new TextDecoder().decode(bytes),
        },
      };
    }
    if (command instanceof PutObjectCommand) {
      const key = command.input.Key ?? '';
      const body = new TextEncoder().encode(String(command.input.Body));
      if (!objects.has(key) && !versions.has(key)) sorted = undefined;
      if (versioned) settle(key, [{ versionId: newVersionId(), body }, ...(versions.get(key) ?? [])]);
      else objects.set(key, body);
      return versioned ? { VersionId: versions.get(key)?.[0]?.versionId } : {};
    }
    throw new Error(`memory S3: unexpected command ${String((command as object)?.constructor?.name)}`);
  }

  /**
   * ListObjectVersions by prefix: versions and delete markers together, by key, newest first, at
   * most MaxKeys (1,000) a page. A page ends at an entry whose key and version ID come back as
   * NextKeyMarker and NextVersionIdMarker; the next page starts after that pair (after KeyMarker
   * alone when no VersionIdMarker is given), as a client following the markers sees S3 do.
   */
  function listVersions(input: ListObjectVersionsCommand['input']) {
    const prefix = input.Prefix ?? '';
    const max = Math.min(input.MaxKeys ?? PAGE, PAGE);
    const marker = input.KeyMarker;
    const all = keys();
    const Versions: { Key: string; VersionId: string; IsLatest: boolean; Size: number }[] = [];
    const DeleteMarkers: { Key: string; VersionId: string; IsLatest: boolean }[] = [];
    let last: { key: string; versionId: string } | undefined;
    let truncated = false;
    scan: for (
      let i = lowerBound(all, marker !== undefined && marker > prefix ? marker : prefix);
      i < all.length;
      i++
    ) {
      const key = all[i] ?? '';
      if (!key.startsWith(prefix)) break;
      const list = versionsOf(key);
      let from = 0;
      if (key === marker) {
        const at =
          input.VersionIdMarker === undefined
            ? -1
            : list.findIndex((v) => v.versionId === input.VersionIdMarker);
        if (at < 0) continue;
        from = at + 1;
      }
      for (let j = from; j < list.length; j++) {
        const v = list[j] as MemoryVersion;
        if (Versions.length + DeleteMarkers.length === max) {
          truncated = true;
          break scan;
        }
        if (v.body === undefined) DeleteMarkers.push({ Key: key, VersionId: v.versionId, IsLatest: j === 0 });
        else Versions.push({ Key: key, VersionId: v.versionId, IsLatest: j === 0, Size: v.body.byteLength });
        last = { key, versionId: v.versionId };
      }
    }
    return {
      Name: input.Bucket,
      Prefix: prefix,
      KeyMarker: marker,
      VersionIdMarker: input.VersionIdMarker,
      MaxKeys: max,
      IsTruncated: truncated,
      ...(truncated ? { NextKeyMarker: last?.key, NextVersionIdMarker: last?.versionId } : {}),
      ...(Versions.length > 0 ? { Versions } : {}),
      ...(DeleteMarkers.length > 0 ? { DeleteMarkers } : {}),
    };
  }
  return s3;
}

/** The bytes of a Parquet file DuckDB writes from `select` with COPY's `options`. */
export async function parquetFile(select: string, options = 'FORMAT parquet'): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'testkit-parquet-'));
  try {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (${select}) TO '${dir}/f.parquet' (${options})`);
    conn.closeSync();
    db.closeSync();
    return new Uint8Array(readFileSync(join(dir, 'f.parquet')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
