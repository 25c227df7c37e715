/**
 * A request the hub's domain code refuses — a field that is wrong, something absent or there
 * already, a wrong login, a locked account — with the field at fault and a message that says
 * what to do. The registry, users, API keys and reports throw it; the API turns it into its
 * problem (api/refusal-problem.ts), so every such refusal reads the same.
 */
export type RefusalKind = 'invalid' | 'not-found' | 'conflict' | 'unauthorized' | 'locked';

export class Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
