/** Injection token for the LeadPolicy (configurable rules such as the activity types). */
export const LEAD_POLICY = Symbol('LEAD_POLICY');
