/**
 * Listings through the SDK's `paginate…` helpers, with a page cap: a token that never ends must not
 * run a Lambda into its timeout or a command forever.
 */

import { UnexpectedAwsError } from '../contract/errors.ts';

/** How far a listing reads, and what it does with more pages than that. */
export interface PageCap {
  /** Pages read at most. */
  maxPages: number;
  /**
   * `truncate`: stop at the cap and keep the pages read (a count or a selection that may fall short).
   * `fail`: throw PageCapError when a page beyond the cap exists, which costs one request to find out
   * (a listing acted on as complete).
   */
  atCap: 'truncate' | 'fail';
}

/**
 * A listing had more pages than its cap allows. Fatal, named UnexpectedAwsError for the state
 * machine: the same listing is as long on a retry, and acting on part of it would be wrong.
 */
export class PageCapError extends UnexpectedAwsError {}

type Command = { input: object };

/** What the SDK's paginator configurations (`RDSPaginationConfiguration`, …) have in common. */
interface PagingConfig {
  client: { send: unknown };
  pageSize?: number;
  stopOnSameToken?: boolean;
  withCommand?: (command: never) => unknown;
}

/** A paginator configuration whose client is only what the logic holds: `Pick<XClient, 'send'>`. */
export type NarrowPagingConfig<C extends PagingConfig> = Omit<
  C,
  'client' | 'stopOnSameToken' | 'withCommand'
> & {
  client: Pick<C['client'], 'send'>;
};

/** The paginator sends every page with one input object, rewriting its token in place. */
function copyInput<T extends Command>(command: T): T {
  const SameCommand = command.constructor as new (input: object) => T;
  return new SameCommand({ ...command.input });
}

/**
 * The pages of `paginate(config, input)` (an SDK `paginate…` helper), at most `cap.maxPages` of them;
 * a consumer that stops early (`break`) sends no further request. The paginator stops when the
 * service repeats a token, and each request keeps its own input (what aws-sdk-client-mock records).
 */
export async function* cappedPages<C extends PagingConfig, I, O>(
  paginate: (config: C, input: I) => AsyncIterable<O>,
  config: NoInfer<NarrowPagingConfig<C>>,
  input: I,
  cap: PageCap,
): AsyncGenerator<O, void, undefined> {
  const full = { ...config, stopOnSameToken: true, withCommand: copyInput };
  // The logic types a client by the `send` it calls (STYLE 1), while the SDK's paginator checks
  // `client instanceof XClient` at run time: callers hand it a client (aws-sdk-client-mock'd in tests),
  // never a stand-in with only `send`, which it refuses ("Invalid client, expected instance of …").
  const pages = paginate(full as unknown as C, input);
  let read = 0;
  for await (const page of pages) {
    if (read === cap.maxPages) throw new PageCapError(`The listing has more than ${cap.maxPages} pages`);
    yield page;
    read++;
    if (read === cap.maxPages && cap.atCap === 'truncate') return;
  }
}

/** Every page of `paginate(config, input)` up to the cap (see cappedPages). */
export async function collectPages<C extends PagingConfig, I, O>(
  paginate: (config: C, input: I) => AsyncIterable<O>,
  config: NoInfer<NarrowPagingConfig<C>>,
  input: I,
  cap: PageCap,
): Promise<O[]> {
  const pages: O[] = [];
  for await (const page of cappedPages(paginate, config, input, cap)) pages.push(page);
  return pages;
}
