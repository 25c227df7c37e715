/** `davy-sim opcua`: serves device profiles over OPC UA until stopped. */
import type { Command } from 'commander';
import { createLogger, untilSignal } from '@davy/runtime';
import { describeKinds, overrideSyntax, parseOverride, type Override } from '../behaviours/index.js';
import { integerIn, repeatable } from '../cli/options.js';
import { faultSyntax, parseFault, type Fault } from './faults.js';
import { defaultOpcuaTickMs, startOpcuaSimulator } from './simulator.js';

interface OpcuaCommandOptions {
  profile: string[];
  port: number;
  host: string;
  tick: number;
  set?: Override[];
  fault?: Fault[];
  extraNamespaces: number;
  subscriptions: boolean;
  maxMonitoredItemsPerCall?: number;
  maxMonitoredItems?: number;
  user?: string;
  pki?: string;
}

export const passwordVariable = 'DAVY_SIM_OPCUA_PASSWORD';

export function addOpcuaCommand(program: Command): void {
  program
    .command('opcua')
    .description('Serve device profiles over OPC UA (None, Sign and SignAndEncrypt Basic256Sha256), with values that change like a real device\'s')
    .requiredOption('--profile <name|file>', 'a bundled profile\'s name (e.g. mine-ventilation-fan) or a profile .yaml file; repeat to serve several devices', (text: string, previous: string[] = []) => [...previous, text])
    .option('--port <port>', 'TCP port; 0 picks a free one (logged)', integerIn(0, 65535), 4840)
    .option('--host <host>', 'address to listen on and to advertise', '127.0.0.1')
    .option('--tick <ms>', 'how often values change', integerIn(1, 3_600_000), defaultOpcuaTickMs)
    .option(`--set <${overrideSyntax}>`, 'override a point\'s simulate parameter, repeatable', repeatable(parseOverride))
    .option('--fault <spec>', `inject a fault, repeatable: ${faultSyntax}`, repeatable(parseFault))
    .option('--extra-namespaces <n>', 'register this many namespaces before the devices\' (their namespace indexes move up)', integerIn(0, 100), 0)
    .option('--no-subscriptions', 'refuse CreateSubscription (BadTooManySubscriptions): clients must poll')
    .option('--max-monitored-items-per-call <n>', 'the MaxMonitoredItemsPerCall to advertise and enforce', integerIn(1, 1_000_000))
    .option('--max-monitored-items <n>', 'refuse a whole CreateMonitoredItems call (BadTooManyMonitoredItems) that would take a subscription past n items', integerIn(1, 1_000_000))
    .option('--user <name>', `require this user name, with the password in ${passwordVariable}; anonymous logins are refused`)
    .option('--pki <dir>', 'the server\'s certificate folder (default: davy-sim-opcua-pki in the temp folder); client certificates are accepted unseen')
    .addHelpText('after', `\nSimulate kinds (a point's simulate: block, or --set POINT.kind=…):\n${describeKinds()}\nPoints without a simulate block hold 0.`)
    .action(async (options: OpcuaCommandOptions) => {
      const logger = createLogger({ component: 'davy-sim' });
      const stopped = untilSignal();
      const password = process.env[passwordVariable];
      if (options.user !== undefined && !password) throw new Error(`--user ${options.user} needs the password in the environment variable ${passwordVariable}`);
      const simulator = await startOpcuaSimulator({
        profiles: options.profile,
        host: options.host,
        port: options.port,
        tickMs: options.tick,
        overrides: options.set,
        faults: options.fault,
        extraNamespaces: options.extraNamespaces,
        subscriptions: options.subscriptions,
        maxMonitoredItemsPerCall: options.maxMonitoredItemsPerCall,
        maxMonitoredItems: options.maxMonitoredItems,
        user: options.user === undefined ? undefined : { name: options.user, password: password! },
        pkiDir: options.pki,
        logger,
      });
      const signal = await stopped;
      logger.info('opcua.stopping', { signal });
      await simulator.close();
    });
}
