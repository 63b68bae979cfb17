import { Injectable } from '@nestjs/common';
import { ProjectionRunner, type ProjectionState, type ProjectionStatus } from '../runner/projection-runner';

export interface ProjectionsHealthReport {
  /** up: every projection running; degraded: some catching up or retrying; down: one stopped (with an error or not started). */
  readonly status: 'up' | 'degraded' | 'down';
  readonly worstState: ProjectionState;
  readonly maxEventsBehind: number;
  readonly maxSecondsBehind: number;
  readonly projections: readonly ProjectionStatus[];
}

const SEVERITY: Record<ProjectionState, number> = { running: 0, catching_up: 1, stopped: 2, stopped_with_error: 3 };

export function projectionsHealth(statuses: readonly ProjectionStatus[]): ProjectionsHealthReport {
  let worstState: ProjectionState = 'running';
  let retrying = false;
  for (const s of statuses) {
    if (SEVERITY[s.state] > SEVERITY[worstState]) worstState = s.state;
    retrying ||= s.retry !== undefined;
  }
  const status = SEVERITY[worstState] >= SEVERITY.stopped ? 'down' : worstState === 'catching_up' || retrying ? 'degraded' : 'up';
  return {
    status,
    worstState,
    maxEventsBehind: Math.max(0, ...statuses.map((s) => s.eventsBehind)),
    maxSecondsBehind: Math.max(0, ...statuses.map((s) => s.secondsBehind)),
    projections: statuses,
  };
}

/** What /health reports about the read models: the worst state and the largest lags. */
@Injectable()
export class ProjectionsHealth {
  constructor(private readonly runner: ProjectionRunner) {}

  async check(): Promise<ProjectionsHealthReport> {
    return projectionsHealth(await this.runner.status());
  }
}
