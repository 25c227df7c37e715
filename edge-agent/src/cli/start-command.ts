import { Command } from 'commander';
import { createLogger, untilSignal } from '@davy/runtime';
import { Agent } from '../agent.js';
import { loadAgentConfig } from '../config/load-agent-config.js';
import { configOption } from './config-option.js';

export function startCommand(): Command {
  return new Command('start')
    .description('Read the configured devices and stream their data to the hub until stopped')
    .addOption(configOption())
    .action(async (options: { config: string }) => {
      const config = loadAgentConfig(options.config);
      const log = createLogger({ component: 'davy-agent', fields: { gateway: config.gateway.id } });
      const agent = Agent.start(config, log);
      const signal = await untilSignal();
      log.info('agent.stopping', { signal });
      await agent.stop();
    });
}
