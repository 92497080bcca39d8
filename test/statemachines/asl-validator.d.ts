// asl-validator 4 ships JavaScript without type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  interface ValidationError {
    'Error code': string;
    Message: string;
    message?: string;
  }
  interface ValidationResult {
    isValid: boolean;
    errors: ValidationError[];
    errorsText: (separator?: string) => string;
  }
  function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): ValidationResult;
  export = validator;
}
