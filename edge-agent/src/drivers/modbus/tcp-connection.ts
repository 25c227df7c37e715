/**
 * A Modbus TCP connection: MBAP-framed requests (modbus-serial's client, which matches each reply
 * to its request by transaction id) on a TCP connection to the device or its gateway.
 * modbus-serial is loaded on the first connect, so what only decodes or plans (davy-sim, `device
 * list`) never loads it.
 */
import type Modbus from 'modbus-serial';
import { readFailure, ModbusReadError, type ModbusConnection, type ReadRange, type TableData } from './modbus-connection.js';

type ModbusClient = InstanceType<typeof Modbus.default>;

export class ModbusTcpConnection implements ModbusConnection {
  readonly where: string;
  private client?: ModbusClient;
  private closed = false;
  /** Fails the request in flight when the connection closes under it, instead of at its timeout. */
  private lost?: Promise<never>;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.where = `${host}:${port}`;
  }

  async connect(): Promise<void> {
    const { default: modbus } = await import('modbus-serial');
    const client = new modbus.default();
    this.client = client;
    client.setTimeout(this.timeoutMs);
    this.lost = new Promise<never>((_, reject) => client.on('close', () => reject(readFailure.lost(this.where))));
    this.lost.catch(() => undefined);
    client.on('error', () => this.close());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(readFailure.connectTimeout(this.where, this.timeoutMs)), this.timeoutMs);
    });
    try {
      await Promise.race([client.connectTCP(this.host, { port: this.port }), timeout]);
    } catch (error) {
      this.close();
      if (error instanceof ModbusReadError) throw error;
      throw readFailure.cannotConnect(this.where, error);
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return !this.closed && this.client?.isOpen === true;
  }

  async read(unitId: number, range: ReadRange, timeoutMs = this.timeoutMs): Promise<TableData> {
    const client = this.client;
    if (!client || !this.isOpen) throw readFailure.closed(this.where);
    client.setID(unitId);
    client.setTimeout(timeoutMs);
    try {
      return await Promise.race([request(client, range), this.lost!]);
    } catch (error) {
      throw classify(error, range);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client?.destroy(() => undefined);
  }
}

async function request(client: ModbusClient, { table, start, count }: ReadRange): Promise<TableData> {
  switch (table) {
    case 'holding':
      return (await client.readHoldingRegisters(start, count)).buffer;
    case 'input':
      return (await client.readInputRegisters(start, count)).buffer;
    case 'coil':
      return Buffer.from((await client.readCoils(start, count)).data.slice(0, count).map(Number));
    case 'discrete':
      return Buffer.from((await client.readDiscreteInputs(start, count)).data.slice(0, count).map(Number));
  }
}

function classify(error: unknown, range: ReadRange): ModbusReadError {
  if (error instanceof ModbusReadError) return error;
  const details = error as { modbusCode?: number; errno?: string; message?: string };
  if (typeof details.modbusCode === 'number') return readFailure.exception(details.modbusCode, range);
  if (details.errno === 'ETIMEDOUT') return readFailure.timeout(range);
  // modbus-serial's words for a reply that does not fit the request.
  if (details.message?.startsWith('Data length error') || details.message?.startsWith('Unexpected data error')) return readFailure.frame(range, details.message);
  return readFailure.other(range, error);
}
