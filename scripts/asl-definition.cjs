'use strict';
/**
 * Loads statemachines/export.asl.yml (kept beside serverless.yml, not inside it) for
 * serverless-step-functions, replacing each `${...FunctionArn}` placeholder with the ARN of the
 * function it names. serverless-step-functions 3.27 has no DefinitionSubstitutions, so the
 * substitution happens here, at package time, and is strict both ways: a placeholder without a
 * substitution, or a substitution the file never uses, fails packaging instead of deploying a
 * machine that calls nothing.
 *
 * The same `substitute` loads the file for the local stack (local/sfn/definition.ts) and the
 * state-machine tests (test/statemachines/definition.ts), with local ARNs instead of intrinsics, so
 * all three read the placeholders by one rule.
 */
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ASL_FILE = path.join(__dirname, '..', 'statemachines', 'export.asl.yml');

/** Placeholder name → logical ID of the function resource (`<Key>LambdaFunction` in osls naming). */
const SUBSTITUTIONS = {
  StartExportFunctionArn: 'StartExportLambdaFunction',
  CheckExportFunctionArn: 'CheckExportLambdaFunction',
  RegisterExportFunctionArn: 'RegisterExportLambdaFunction',
  NotifyFunctionArn: 'NotifyLambdaFunction',
  WaitsFunctionArn: 'WaitsLambdaFunction',
};

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * Returns the definition with every placeholder replaced by `substitutions[name]`, inserted as is
 * (an ARN string, or an intrinsic such as Fn::GetAtt). A placeholder must be a whole string value:
 * an intrinsic cannot be spliced into a longer string. Throws naming every placeholder without a
 * substitution and every substitution the definition never uses.
 */
function substitute(definition, substitutions, file = ASL_FILE) {
  const used = new Set();
  const unknown = [];
  const visit = (value, where) => {
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${where}[${i}]`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v, `${where}.${k}`)]));
    }
    if (typeof value !== 'string') return value;
    const names = [...value.matchAll(PLACEHOLDER)].map((m) => m[1]);
    if (names.length === 0) return value;
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    const name = whole?.[1];
    if (name !== undefined && Object.hasOwn(substitutions, name)) {
      used.add(name);
      return substitutions[name];
    }
    unknown.push(`${where}: ${value}`);
    return value;
  };
  const result = visit(definition, '$');
  const unused = Object.keys(substitutions).filter((n) => !used.has(n));
  const problems = [
    ...unknown.map((u) => `placeholder without a substitution at ${u}`),
    ...unused.map((n) => `substitution \${${n}} is never used`),
  ];
  if (problems.length > 0) {
    throw new Error(`${path.relative(process.cwd(), file)}: ${problems.join('; ')}`);
  }
  return result;
}

/**
 * The substitutions for the five contract placeholders, each value computed from the placeholder's
 * name and its function's logical ID: the deployment's Fn::GetAtt, or a local ARN.
 */
function functionSubstitutions(valueFor) {
  return Object.fromEntries(
    Object.entries(SUBSTITUTIONS).map(([name, logicalId]) => [name, valueFor(name, logicalId)]),
  );
}

function loadDefinition(file = ASL_FILE) {
  const arns = functionSubstitutions((_name, logicalId) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
  return substitute(YAML.parse(fs.readFileSync(file, 'utf8')), arns, file);
}

module.exports = () => loadDefinition();
module.exports.substitute = substitute;
module.exports.functionSubstitutions = functionSubstitutions;
module.exports.SUBSTITUTIONS = SUBSTITUTIONS;
