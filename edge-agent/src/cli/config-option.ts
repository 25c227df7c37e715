import { Option } from 'commander';

/** --config, shared by every command that reads agent.yaml. */
export function configOption(): Option {
  return new Option('-c, --config <file>', 'the agent config file').env('DAVY_AGENT_CONFIG').default('agent.yaml');
}
