// The throwaway cluster lives in src/demo (the demo uses it too); tests import it from here.
export { postgresBinDir, startPostgres, type LocalPostgres as TestPostgres } from '../../src/demo/postgres-cluster.js';
