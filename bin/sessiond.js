#!/usr/bin/env node
// The `sessiond` command: the compiled server (npm install builds it into dist/).
await import('../dist/cli/main.js');
