import { LOCAL_CREDENTIALS } from './s3.ts';
import { type LocalStack, REGION, STAGE } from './stack.ts';

/**
 * `npm start -- --serve`: the stack keeps running for the rds-export CLI and any AWS client. stdout
 * gets only lines a shell can `eval` (or `source`): the SDKs' service-specific endpoint variables,
 * the Region (AWS_REGION for the JS SDK, AWS_DEFAULT_REGION for the AWS CLI and boto3, which read
 * only that one: "Configuring environment variables for the AWS CLI",
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html), the credentials the
 * stack accepts, and the stage the commands read; everything else goes to stderr.
 */
export function serveEnvironment(stack: Pick<LocalStack, 'endpoints'>): string[] {
  return [
    ...Object.entries(stack.endpoints).map(([service, url]) => `export AWS_ENDPOINT_URL_${service}=${url}`),
    `export AWS_REGION=${REGION}`,
    `export AWS_DEFAULT_REGION=${REGION}`,
    `export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
    `export RDS_EXPORT_STAGE=${STAGE}`,
  ];
}

/** Takes `snapshots` manual snapshots (no events: they wait for `rds-export backfill`), then serves until stopped. */
export async function serve(stack: LocalStack, snapshots: number, timeScale: number): Promise<never> {
  const first = await stack.createSnapshot('sample-snapshot-1', 'sample-db-1');
  const names = [first.identifier];
  for (let i = 2; i <= snapshots; i++) {
    names.push((await stack.createSnapshot(`sample-snapshot-${i}`, `sample-db-${i}`, first)).identifier);
  }
  process.stdout.write(`${serveEnvironment(stack).join('\n')}\n`);
  process.stderr.write(
    `local stack serving (time ×${timeScale}; an export takes about ${Math.round(720 / timeScale)} s); ` +
      `snapshots: ${names.join(', ')}\nset the variables above in another shell, then: npx rds-export status; Ctrl-C stops the stack\n`,
  );
  return new Promise<never>(() => {});
}
