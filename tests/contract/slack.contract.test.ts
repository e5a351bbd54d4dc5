// Every contract scenario (tests/contract/scenarios.ts) against the real Slack adapter, on each engine.
import { startSlackDriver } from '../helpers/contract-slack-driver.ts';
import { runContractSuite } from './scenarios.ts';

runContractSuite('Slack', startSlackDriver);
