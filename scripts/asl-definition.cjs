'use strict';
/**
 * Loads statemachines/export.asl.yml (kept beside serverless.yml, not inside it) for
 * serverless-step-functions, replacing each `${...FunctionArn}` placeholder with the ARN of the
 * function it names. serverless-step-functions 3.27 has no DefinitionSubstitutions, so the
 * substitution happens here, at package time, and is strict both ways: a placeholder without a
 * substitution, or a substitution the file never uses, fails packaging instead of deploying a
 * machine that calls nothing.
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
};

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** Returns the definition with every placeholder replaced; throws naming any unmatched one. */
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
      return { 'Fn::GetAtt': [substitutions[name], 'Arn'] };
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

function loadDefinition(file = ASL_FILE) {
  return substitute(YAML.parse(fs.readFileSync(file, 'utf8')), SUBSTITUTIONS, file);
}

module.exports = () => loadDefinition();
module.exports.substitute = substitute;
module.exports.SUBSTITUTIONS = SUBSTITUTIONS;
