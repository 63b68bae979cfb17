import type { LeadCommand } from '@lead/domain';

/** The policies' names; each acts as the actor "policy:<name>". */
export const POLICY = {
  scoring: 'scoring',
  categoryRouting: 'category-routing',
  hotHandOff: 'hot-hand-off',
  sla: 'sla',
  nurtureRevisit: 'nurture-revisit',
} as const;
export type PolicyName = (typeof POLICY)[keyof typeof POLICY];

type CommandOf<T extends LeadCommand['type']> = {
  /** The policy deciding it: its actor and the first part of its command id. */
  policy: PolicyName;
  type: T;
  leadId: string;
  data: Extract<LeadCommand, { type: T }>['data'];
  /**
   * What makes the command unique besides the policy: absent for reactions to an event (the command
   * id derives from the event id); the due time for the sweep, so a repeated sweep appends nothing twice.
   */
  dueKey?: string;
  /** The revision the decision was based on; sweep reactions use it so a lead that moved on is left alone. */
  expectedRevision?: number;
  /** A round-robin counter to store once the command is accepted. */
  roundRobin?: { category: string; next: number };
};

/** A command a policy wants sent. Policies are pure: they return these, the reactor sends them. */
export type PolicyCommand = { [T in LeadCommand['type']]: CommandOf<T> }[LeadCommand['type']];
