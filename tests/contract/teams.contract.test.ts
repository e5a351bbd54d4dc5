// Every contract scenario (tests/contract/scenarios.ts) against the real Teams adapter, on each engine.
import { startTeamsDriver } from '../helpers/contract-teams-driver.ts';
import { runContractSuite } from './scenarios.ts';

runContractSuite('Teams', startTeamsDriver);
