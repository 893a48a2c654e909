// Copies the files the server serves as they are (the admin console's page, script and style)
// next to the compiled JavaScript, where the code looks for them at run time.
import { cpSync } from 'node:fs';

cpSync('src/web/admin-console/assets', 'dist/web/admin-console/assets', { recursive: true });
