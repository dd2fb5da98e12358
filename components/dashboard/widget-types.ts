import type { ComponentType } from 'react';
import type { TimeRange } from './time-range';

/** What the dashboard hands every widget; each widget fetches its own data from /stats. */
export interface WidgetProps {
  pipelineId: string;
  range: TimeRange;
  /** `filter[module]` for widgets that honour the module filter; null = all modules. */
  module: string | null;
  /** Increases when new data may be there (live change notice, at most once per second). */
  refreshKey: number;
}

export interface WidgetDefinition {
  id: string;
  /** Columns of the dashboard's 3-column grid. */
  span: 1 | 2 | 3;
  Component: ComponentType<WidgetProps>;
}
