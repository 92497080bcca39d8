import type { Command } from '../command.ts';
import { DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE } from './deployment.ts';

/**
 * `rds-export doctor`. Its checks (./doctor.ts) and their IAM and EventBridge clients load when it
 * runs, not at the start of every other command (each spawn of the CLI would parse them).
 */
export const doctorCommand: Command = {
  summary:
    "check the deployment's account before the first export (roles, bucket, key, rules); changes nothing",
  usage: `rds-export doctor [--prefix P] [options]

  --prefix             the S3 prefix the rules export under, for the write check (default: the bucket's root)
${DEPLOYMENT_USAGE}

Prints one line per check, "ok" or "FAIL" with the fix; exit status 1 when any check fails.`,
  options: { ...DEPLOYMENT_OPTIONS, prefix: { type: 'string' } },
  async run(values) {
    const { runDoctorCommand } = await import('./doctor.ts');
    return runDoctorCommand(values);
  },
};
