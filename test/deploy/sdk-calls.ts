import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './cloudformation.ts';

/**
 * The IAM action each S3 operation is authorized by (Service Authorization Reference, Amazon S3):
 * unlike Glue's, S3's action names are not always the operation's. An operation missing here fails
 * the role tests until it is added.
 */
export const S3_ACTIONS: Record<string, string> = {
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
  // Naming a VersionId it needs s3:DeleteObjectVersion too (S3 API reference, DeleteObjects).
  DeleteObjects: 's3:DeleteObject',
};

/**
 * Credential providers that call a service themselves: `fromTemporaryCredentials` sends STS
 * AssumeRole (its source, @aws-sdk/credential-providers fromTemporaryCredentials.base.js, sends
 * `AssumeRoleCommand`), which the role of a function that imports it must allow.
 */
const PROVIDER_CALLS: Record<string, [service: string, operation: string]> = {
  fromTemporaryCredentials: ['sts', 'AssumeRole'],
};

/**
 * The SDK operations a function's code can call, read from its source: every value import of
 * `<Operation>Command` or `paginate<Operation>` from `@aws-sdk/client-<service>`, and of a provider
 * in PROVIDER_CALLS from `@aws-sdk/credential-providers`, in the function's folder and in every
 * project module it imports (relative or a `#…` subpath import), transitively.
 */
export function sdkOperations(functionDir: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const pending = tsFiles(path.join(ROOT, functionDir));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      const specifier = moduleOf(statement);
      if (specifier === undefined) continue;
      const service = /^@aws-sdk\/client-([a-z0-9-]+)$/.exec(specifier)?.[1];
      if (service !== undefined) {
        for (const name of valueImports(statement as ts.ImportDeclaration | ts.ExportDeclaration, file)) {
          const operation = /^(.+)Command$/.exec(name)?.[1] ?? /^paginate(.+)$/.exec(name)?.[1];
          if (operation === undefined) continue;
          found.set(service, (found.get(service) ?? new Set()).add(operation));
        }
      } else if (specifier === '@aws-sdk/credential-providers') {
        for (const name of valueImports(statement as ts.ImportDeclaration | ts.ExportDeclaration, file)) {
          const call = PROVIDER_CALLS[name];
          if (call === undefined) throw new Error(`${file}: add ${name} to PROVIDER_CALLS`);
          found.set(call[0], (found.get(call[0]) ?? new Set()).add(call[1]));
        }
      } else if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier));
      // package.json "imports": `#<folder>/…` is `./<folder>/…`
      else if (specifier.startsWith('#')) pending.push(path.join(ROOT, specifier.slice(1)));
    }
  }
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(dir, name));
}

function moduleOf(statement: ts.Statement): string | undefined {
  const isModuleStatement = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement);
  if (!isModuleStatement || statement.moduleSpecifier === undefined) return undefined;
  return ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
}

/** Names imported as values (not `import type`, not `type X`); a namespace import would hide them. */
function valueImports(statement: ts.ImportDeclaration | ts.ExportDeclaration, file: string): string[] {
  if (ts.isExportDeclaration(statement)) {
    if (statement.isTypeOnly) return [];
    const clause = statement.exportClause;
    if (clause === undefined || !ts.isNamedExports(clause))
      throw new Error(`${file}: export * from an SDK client`);
    return clause.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text);
  }
  const clause = statement.importClause;
  if (clause === undefined || clause.isTypeOnly) return [];
  const bindings = clause.namedBindings;
  if (bindings !== undefined && ts.isNamespaceImport(bindings))
    throw new Error(`${file}: import the SDK commands by name, so the IAM test can see them`);
  if (bindings === undefined) return [];
  return bindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text);
}
