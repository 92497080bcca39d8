import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger every function shares; correlation keys are appended per invocation. */
export const logger = new Logger({ serviceName: 'rds-export' });
