import { createThrowawayDatabase } from '../helpers/postgres-db.ts';
import { skipUnlessService } from '../helpers/services.ts';
import { runMultiNodeSuite } from './scenario.ts';

const skip = await skipUnlessService('postgres');

runMultiNodeSuite(
  'postgres',
  async () => {
    const db = await createThrowawayDatabase();
    return { storeUrl: db.url, cleanup: () => db.drop() };
  },
  { skip },
);
