#!/usr/bin/env node
// The `sessiond` command. sessiond ships as TypeScript and runs through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
