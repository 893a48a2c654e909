// Empties both packages' dist/ before a build, so a file whose source is gone is not packed.
import { rmSync } from 'node:fs';

for (const dir of ['dist', 'packages/client/dist']) rmSync(dir, { recursive: true, force: true });
