/** The seam between the outbox and a transport to the hub: gRPC (grpc/) or NATS JetStream (nats/). */
export interface UplinkStatus {
  transport: string;
  connected: boolean;
  lastAckMs: number | null;
  /** The hub's watermark from the last ack. */
  watermark: number | null;
  inFlightBatches: number;
  reconnects: number;
  lastError: string | null;
}

export interface Uplink {
  start(): void;
  stop(): Promise<void>;
  status(): UplinkStatus;
}

export interface GatewayIdentity {
  id: string;
  enterprise: string;
  site: string;
}
