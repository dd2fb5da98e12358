import { EmbeddedStore } from './embedded';
import { storeContract } from './store.contract';

storeContract('embedded', () => new EmbeddedStore());
