/**
 * gRPC ingest: one bidirectional stream per gateway. Batches of a stream are committed in the
 * order they arrive and each is answered by one Ack carrying the gateway's watermark, sent only
 * after the commit.
 */
import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import { UplinkServiceService, type Ack, type Batch, type UplinkServiceServer } from '@davy/proto';
import { errorMessage, type Logger } from '@davy/runtime';
import { BatchRejected, checkBatch } from '../batch-check.js';
import type { IngestResult } from '../../store/store.js';
import type { CommitQueue } from '../commit-queue.js';

export interface GrpcIngestOptions {
  host: string;
  port: number;
  queue: CommitQueue;
  log: Logger;
}

export interface GrpcIngest {
  port: number;
  close(): Promise<void>;
}

const serverOptions = {
  // Agents ping to find dead lines quickly; allow it instead of answering with GOAWAY.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

export async function startGrpcIngest(options: GrpcIngestOptions): Promise<GrpcIngest> {
  const server = new Server(serverOptions);
  const implementation: UplinkServiceServer = {
    stream: (call) => serveStream(call, options),
  };
  server.addService(UplinkServiceService, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  options.log.info('grpc.listening', { host: options.host, port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

function serveStream(call: ServerDuplexStream<Batch, Ack>, options: GrpcIngestOptions): void {
  const peer = call.getPeer();
  let gatewayId: string | undefined;
  let log = options.log.child({ peer });
  let failed = false;

  const fail = (code: status, details: string) => {
    if (failed) return;
    failed = true;
    call.emit('error', { code, details, name: 'IngestError', message: details });
  };

  const source = {};
  // Acks go out in order: each waits for the one before it.
  let acks = Promise.resolve();

  call.on('data', (batch: Batch) => {
    const receivedAtMs = Date.now();
    if (failed || call.cancelled) return;
    if (gatewayId === undefined) {
      gatewayId = batch.gatewayId;
      log = options.log.child({ gateway: gatewayId, peer });
      log.info('grpc.stream_opened');
    } else if (batch.gatewayId !== gatewayId) {
      return fail(status.INVALID_ARGUMENT, `this stream belongs to gateway ${gatewayId}; a batch for ${batch.gatewayId} needs its own stream`);
    }
    let committed: Promise<IngestResult>;
    try {
      committed = options.queue.submit(checkBatch(batch, receivedAtMs), source);
    } catch (error) {
      if (!(error instanceof BatchRejected)) throw error;
      return fail(status.INVALID_ARGUMENT, error.message);
    }
    // Submitted at once, so a stream's batches can share a group commit; acked in order.
    acks = acks.then(async () => {
      let result: IngestResult;
      try {
        result = await committed;
      } catch (error) {
        if (failed) return; // a batch before it failed or was refused: the stream has ended already
        log.error('ingest.commit_failed', { error: errorMessage(error) });
        return fail(status.UNAVAILABLE, `the hub could not store the batch: ${errorMessage(error)}`);
      }
      if (failed) return;
      if (result.refused) {
        log.warn('ingest.refused', { reason: result.refused });
        return fail(status.FAILED_PRECONDITION, result.refused);
      }
      // A stream hands batches over in order, so this is an agent that skipped ahead: it
      // reconnects, learns the watermark from the first ack, and sends from there.
      if (result.early) return fail(status.ABORTED, result.early);
      if (result.rejected > 0) log.warn('ingest.rejected', { rejected: result.rejected, reasons: result.rejections });
      if (result.duplicates > 0) log.info('ingest.duplicates_skipped', { duplicates: result.duplicates, watermark: result.watermark });
      call.write({ watermark: result.watermark, stored: result.stored, hubTimeMs: Date.now() });
    });
  });

  call.on('end', () => {
    void acks.then(() => {
      if (!failed) call.end();
      log.info('grpc.stream_closed');
    });
  });
  call.on('cancelled', () => log.info('grpc.stream_cancelled'));
  call.on('error', () => undefined);
}
