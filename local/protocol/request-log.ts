import { appendFileSync } from 'node:fs';

export type LocalService =
  | 'rds'
  | 'glue'
  | 's3'
  | 'sns'
  | 'sfn'
  | 'dynamodb'
  | 'cloudformation'
  | 'neptune-graph'
  | 'sts'
  | 'eventbridge';

export interface LoggedRequest {
  service: LocalService;
  action: string;
  params: Record<string, unknown>;
}

/** Appends one JSON line per request to `file` (LOCAL_AWS_REQUEST_LOG); a no-op without a file. */
export type RequestLogger = (entry: LoggedRequest) => void;

export function requestLogger(file: string | undefined): RequestLogger {
  if (!file) return () => {};
  // Synchronous appends keep lines whole and ordered when requests arrive concurrently.
  return (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`);
}
