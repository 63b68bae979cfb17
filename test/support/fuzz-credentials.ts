/**
 * Credentials the fuzz test sends in `Authorization`. `valid` are accepted by the engine (the test apps' bootstrap admin key), `invalid` must be refused. When authentication exists this is the
 * one place that mints real keys for the app under test.
 */
import { TEST_ADMIN_KEY } from './authed-app';

export function fuzzCredentials(): { valid: string[]; invalid: string[] } {
  return {
    valid: [`Bearer ${TEST_ADMIN_KEY}`],
    invalid: ['Bearer ', 'Bearer lk_live_0000000000000000', 'Basic YWRtaW46YWRtaW4=', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'garbage'],
  };
}
