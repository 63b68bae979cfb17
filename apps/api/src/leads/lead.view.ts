import type { LeadState } from '@lead/domain';

/** The JSON shape of GET /leads/:id: the folded state, flattened for clients. */
export function leadView(state: LeadState): Record<string, unknown> {
  switch (state.status) {
    case 'none':
      return { status: 'none' };
    case 'erased':
      return { leadId: state.leadId, status: 'erased' };
    default: {
      const { status, leadId, profile, facts, ...specific } = state;
      return { leadId, status, ...profile, facts, ...specific };
    }
  }
}
