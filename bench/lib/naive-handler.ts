/**
 * The reference point for cold starts: one SDK client and the Powertools logger, bundled
 * with esbuild's plain defaults (bench/cold-start.bench.ts builds it beside the real functions).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { RDSClient } from '@aws-sdk/client-rds';

const logger = new Logger({ serviceName: 'naive' });
const rds = new RDSClient({});

export const handler = async (): Promise<string> => {
  logger.info('invoked');
  return rds.config.serviceId;
};
