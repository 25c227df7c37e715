import { Command, Option } from 'commander';
import { createLogger, untilSignal } from '@davy/runtime';
import { Agent } from '../agent.js';
import { loadAgentConfig } from '../config/load-agent-config.js';
import { configOption } from './config-option.js';

export function startCommand(): Command {
  return new Command('start')
    .description('Read the configured devices and stream their data to the hub until stopped')
    .addOption(configOption())
    .addOption(new Option('--transport <transport>', 'grpc or nats: how batches go to the hub (default: hub.transport in agent.yaml)').choices(['grpc', 'nats']))
    .action(async (options: { config: string; transport?: 'grpc' | 'nats' }) => {
      const config = loadAgentConfig(options.config, { transport: options.transport });
      const log = createLogger({ component: 'davy-agent', fields: { gateway: config.gateway.id } });
      const agent = Agent.start(config, log);
      const signal = await untilSignal();
      log.info('agent.stopping', { signal });
      await agent.stop();
    });
}
