import { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { classified } from './classified.ts';
import { SDK_CLIENT_CONFIG } from './client-config.ts';
import { isAwsError } from './errors.ts';

/**
 * A Powertools Parameters provider that reads one SSM parameter with GetParameter and nothing else:
 * Powertools' "bring your own provider" (extend `BaseProvider`, implement `_get` and `_getMultiple`;
 * Powertools for AWS Lambda (TypeScript) docs, Parameters), so `get` keeps Powertools' cache
 * (`maxAge`, `forceFetch`, a failed read not cached) and `throwOnMissing`. It stands in for
 * `SSMProvider`, whose module also brings GetParameters, GetParametersByPath, PutParameter and
 * their helpers, code the Slack reader never runs but every function that notifies would parse.
 *
 * The client is built with SDK_CLIENT_CONFIG and classified (classified.ts), so a failed read
 * throws the pipeline's error class (ssm in errors.ts); `get` wraps it in Powertools'
 * `GetParameterError` with the classified error as `cause`.
 */
export class SsmSecureStringProvider extends BaseProvider {
  private readonly ssm: SSMClient;

  constructor() {
    const ssm = classified(new SSMClient(SDK_CLIENT_CONFIG), 'ssm');
    super({ awsSdkV3Client: ssm });
    this.ssm = ssm;
  }

  /**
   * The parameter's value, decrypted: "WithDecryption: Return decrypted values for secure string
   * parameters. This flag is ignored for String and StringList parameter types." (AWS Systems
   * Manager API Reference, GetParameter), so the role needs kms:Decrypt on the parameter's key as
   * well as ssm:GetParameter. A parameter that does not exist (ParameterNotFound, same page) is
   * `undefined`, which `get(…, { throwOnMissing: true })` turns into Powertools'
   * `ParameterNotFoundError`, as SSMProvider does.
   */
  protected async _get(name: string): Promise<string | undefined> {
    try {
      const out = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value;
    } catch (error) {
      if (isAwsError(error, 'ParameterNotFound')) return undefined;
      throw error;
    }
  }

  /** Not offered: reading a path would need GetParametersByPath, which this provider leaves out. */
  protected _getMultiple(path: string): Promise<never> {
    return Promise.reject(
      new Error(`SsmSecureStringProvider reads single parameters only, not the path ${path}`),
    );
  }
}
