import { Command } from 'commander';
import { exitCodes, formatBytes, formatDurationMs, formatTable } from '@davy/runtime';
import { describeHubLink, loadAgentConfig } from '../config/load-agent-config.js';
import { readAgentStatus } from '../status/read-status.js';
import { configOption } from './config-option.js';

export function statusCommand(): Command {
  return new Command('status')
    .description('Show the agent: devices, outbox depth and oldest record, last ack from the hub')
    .addOption(configOption())
    .option('--json', 'print the status as JSON')
    .action((options: { config: string; json?: boolean }) => {
      const config = loadAgentConfig(options.config);
      const status = readAgentStatus(config.outbox.path);
      if (!status) {
        process.stdout.write(`The agent has not run yet: no outbox at ${config.outbox.path}\n`);
        process.exitCode = exitCodes.failed;
        return;
      }
      if (options.json) {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return;
      }
      const now = Date.now();
      const ago = (ms: number | null | undefined) => (ms ? `${formatDurationMs(now - ms)} ago` : 'never');
      const agent = status.agent;
      const lines = [
        `agent    ${agent ? (agent.alive ? `running (pid ${agent.pid}) since ${ago(agent.startedMs)}` : `not running (last seen ${ago(agent.savedMs)})`) : 'never started'}`,
        `gateway  ${config.gateway.id}  hub ${describeHubLink(config.hub)} (${config.hub.transport})`,
        `uplink   ${status.uplink ? `${status.uplink.connected ? 'connected' : 'not connected'}, last ack ${ago(status.uplink.lastAckMs)}, hub watermark ${status.uplink.watermark ?? '-'}, ${status.uplink.inFlightBatches} batches in flight, ${status.uplink.reconnects} reconnects${status.uplink.lastError ? `, last error: ${status.uplink.lastError}` : ''}` : 'unknown'}`,
        `outbox   ${status.outbox.depth} records waiting, oldest ${status.outbox.oldestTimeMs ? formatDurationMs(now - status.outbox.oldestTimeMs) : '-'} old, ` +
          `${formatBytes(status.outbox.fileBytes)} of ${formatBytes(config.outbox.maxBytes)}, last seq ${status.outbox.lastSeq}, ${status.outbox.droppedTotal} dropped (full)`,
        '',
      ];
      process.stdout.write(lines.join('\n') + '\n');
      const rows = status.devices.map((device) => [
        device.device,
        device.state,
        ago(device.lastGoodReadMs),
        device.reads,
        Object.entries(device.errors).map(([kind, count]) => `${kind} ${count}`).join(', ') || '-',
        device.lastError ?? '',
      ]);
      process.stdout.write(formatTable(['DEVICE', 'STATE', 'LAST GOOD READ', 'READS', 'ERRORS', 'LAST ERROR'], rows));
    });
}
