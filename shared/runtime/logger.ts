import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger every function shares; correlation keys are appended per invocation. Its `service`
 * is POWERTOOLS_SERVICE_NAME (serverless.yml sets it to rds-export-<stage>, as for the metrics):
 * Powertools Logger reads that variable when no serviceName is given. Only where it is unset (tests,
 * the local stack) does the name fall back to `rds-export`, instead of Powertools' `service_undefined`.
 */
export const logger = new Logger(process.env.POWERTOOLS_SERVICE_NAME ? {} : { serviceName: 'rds-export' });
