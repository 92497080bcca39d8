import type { Command } from '../command.ts';
import { DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE } from './deployment.ts';

/**
 * `rds-export doctor`. Its checks (./doctor.ts) and their IAM and EventBridge clients load when it
 * runs, not at the start of every other command (each spawn of the CLI would parse them).
 */
export const doctorCommand: Command = {
  summary:
    "check the deployment's account before the first export (roles, bucket, key, rules); changes nothing",
  usage: `rds-export doctor [--prefix P] [--policy F] [options]
       rds-export doctor --member --hub-bus-arn ARN --hub-bucket B --hub-key ARN [--hub-regions R1,R2] [--stage S] [--region R] [--profile P]

  --prefix             the S3 prefix the rules export under, for the write check (default: the bucket's root)
  --policy             the export policy (default: env RDS_EXPORT_POLICY, else export-policy.yml when there
                       is one): each other Region's bucket and key under its regions: is checked too
  --member             with a member account's credentials: check what serverless.member.yml set up
                       there (its export role writes only its own folder of the hub's bucket and uses
                       the hub's key, only the hub's functions may assume its access role, which may
                       start exports, and its rules forward to the hub's bus with a role that exists)
  --hub-bus-arn, --hub-bucket, --hub-key
                       the hub the member stack was deployed against (its parameters)
  --hub-regions        the hub's other Regions (serverless.region.yml): the export role's writes to
                       their buckets and its use of their keys are checked too
${DEPLOYMENT_USAGE}

Prints one line per check, "ok" or "FAIL" with the fix; exit status 1 when any check fails.`,
  options: {
    ...DEPLOYMENT_OPTIONS,
    prefix: { type: 'string' },
    policy: { type: 'string' },
    member: { type: 'boolean' },
    'hub-bus-arn': { type: 'string' },
    'hub-bucket': { type: 'string' },
    'hub-key': { type: 'string' },
    'hub-regions': { type: 'string' },
  },
  async run(values) {
    if (values.member === true) {
      const { runMemberDoctorCommand } = await import('./doctor-member.ts');
      return runMemberDoctorCommand(values);
    }
    const { runDoctorCommand } = await import('./doctor.ts');
    return runDoctorCommand(values);
  },
};
