import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { awsCause } from './errors.ts';

/**
 * A conditional write whose condition did not hold: ConditionalCheckFailedException, an error of
 * PutItem, UpdateItem and DeleteItem in the DynamoDB API reference ("A condition specified in the
 * operation could not be evaluated"), which the SDK deserializes to its own class.
 */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  awsCause(error) instanceof ConditionalCheckFailedException;

/**
 * A request DynamoDB refused as invalid: ValidationException is one of the API reference's Common
 * Errors (docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html), which the client
 * does not model as a class, so the SDK raises it as a DynamoDBServiceException named after its
 * code. An update of a path inside a map the item does not have yet (`holders.#id` before `holders`
 * exists) is refused this way (test/e2e/waits-store.test.ts sees it on the wire).
 */
export const isValidationError = (error: unknown): boolean => {
  const aws = awsCause(error);
  return aws instanceof DynamoDBServiceException && aws.name === 'ValidationException';
};
