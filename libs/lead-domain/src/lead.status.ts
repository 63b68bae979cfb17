/**
 * Where a lead stands. The decider's state is a union keyed on these values;
 * read models use the same words for the pipeline stage.
 */
export const LEAD_STATUSES = [
  'open', // captured, being qualified
  'qualified', // need + budget + decision maker confirmed (or qualified by hand)
  'nurturing', // too early: on a nurture or content track until revisited
  'disqualified', // not a fit, with a reason; can be reactivated
  'handed_to_sales',
  'won',
  'lost', // a lost sale without a live need; with one, the lead goes back to nurturing
  'merged', // a duplicate merged into another lead
  'erased', // personal data erased on request
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
