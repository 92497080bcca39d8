#!/usr/bin/env node
// Plain-JS entry point so `npx rds-export` works without a build step: tsx loads the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./cli.ts', import.meta.url).href);
