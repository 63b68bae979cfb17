import type { LeadCommand } from './lead.commands';
import { decide, foldLead, type LeadPolicy } from './lead.decider';
import { LeadError, LeadNotFoundError, LeadRuleRefusedError, LeadValidationError } from './lead.errors';
import type { LeadEvent } from './lead.events';

/** given(history).when(command).then(events | refusal): one rule per test, exact values. */
export function given(...history: LeadEvent[]) {
  return {
    when(command: LeadCommand, policy?: LeadPolicy) {
      const run = () => decide(command, foldLead(history), policy);
      const failure = (): LeadError => {
        try {
          run();
        } catch (e) {
          if (e instanceof LeadError) return e;
          throw e;
        }
        throw new Error(`expected ${command.type} to be refused, but it was accepted`);
      };
      return {
        then(expected: LeadEvent[]) {
          expect(run()).toEqual(expected);
        },
        thenRefused(rule: string, message?: RegExp) {
          const error = failure();
          expect(error).toBeInstanceOf(LeadRuleRefusedError);
          expect((error as LeadRuleRefusedError).rule).toBe(rule);
          if (message) expect(error.message).toMatch(message);
        },
        thenInvalid(...fields: string[]) {
          const error = failure();
          expect(error).toBeInstanceOf(LeadValidationError);
          expect((error as LeadValidationError).problems.map((p) => p.field)).toEqual(fields);
        },
        thenNotFound() {
          expect(failure()).toBeInstanceOf(LeadNotFoundError);
        },
      };
    },
  };
}
