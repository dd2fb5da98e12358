import { EmbeddedStore } from './embedded';
import { statsQueryChecks } from './stats-query.checks';

statsQueryChecks('the embedded store', () => new EmbeddedStore());
