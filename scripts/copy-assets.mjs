// Copies the files the server uses as they are next to the compiled JavaScript, where the code
// looks for them at run time: the admin console's page, script and style, and the SQLite
// checkpoint thread (plain JavaScript, so a worker thread runs it from src/ without tsx).
import { cpSync } from 'node:fs';

cpSync('src/web/admin-console/assets', 'dist/web/admin-console/assets', { recursive: true });
cpSync('src/store/sqlite/sqlite-checkpoint-thread.mjs', 'dist/store/sqlite/sqlite-checkpoint-thread.mjs');
