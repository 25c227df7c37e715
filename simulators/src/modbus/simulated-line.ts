/**
 * The slaves of one simulated RTU line, by unit id, and the faults they were given. A request
 * for a unit nobody serves gets no reply, as on a real line.
 */
import { FaultPlan, type Fault, type FaultKind } from './faults.js';
import { answerPdu, exception, exceptionCodes, mbapHeaderBytes, type RequestHooks } from './pdu.js';
import type { RegisterBank } from './register-bank.js';
import { rtuFrame } from './rtu-frame.js';

export interface LineSlave {
  bank: RegisterBank;
  hooks: RequestHooks;
}

export type LineAnswer =
  /** `fault`: the reply is the fault's (busy, crc, late) rather than the slave's own; `delayMs`: held back that long. */
  | { kind: 'reply'; frame: Buffer; fault?: FaultKind; delayMs?: number }
  | { kind: 'none'; fault?: FaultKind }
  | { kind: 'drop' };

export class SimulatedLine {
  private readonly plan: FaultPlan;

  /** `anyUnit`: the slave answering every unit id that `slaves` does not name (a single-device simulator). */
  constructor(
    private readonly slaves: ReadonlyMap<number, LineSlave>,
    faults: readonly Fault[] = [],
    private readonly anyUnit?: LineSlave,
  ) {
    this.plan = new FaultPlan(faults);
  }

  /** The answer to a request PDU for `unitId`; throws nothing (a failing slave answers exception 04). */
  answer(unitId: number, pdu: Buffer): LineAnswer {
    const slave = unitId === 0 ? undefined : (this.slaves.get(unitId) ?? this.anyUnit);
    if (!slave) return { kind: 'none' };
    const planned = this.plan.next(unitId);
    const fault = planned?.kind;
    switch (fault) {
      case 'silent':
        return { kind: 'none', fault };
      case 'drop':
        return { kind: 'drop' };
      case 'busy':
        return { kind: 'reply', frame: rtuFrame(unitId, exception(pdu[0]!, exceptionCodes.serverDeviceBusy).subarray(mbapHeaderBytes)), fault };
      default: {
        let reply: Buffer;
        try {
          reply = answerPdu(pdu, slave.bank, slave.hooks);
        } catch {
          reply = exception(pdu[0]!, exceptionCodes.serverDeviceFailure);
        }
        const frame = rtuFrame(unitId, reply.subarray(mbapHeaderBytes));
        if (fault === 'crc') frame[frame.length - 1]! ^= 0xff;
        return { kind: 'reply', frame, fault, delayMs: planned?.delayMs };
      }
    }
  }
}
