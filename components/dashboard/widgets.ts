import { ClientBreakdownWidget } from './ClientBreakdownWidget';
import { GeoDistributionWidget } from './GeoDistributionWidget';
import { VisitsOverTimeWidget } from './VisitsOverTimeWidget';
import type { WidgetDefinition } from './widget-types';

/** The dashboard's widgets, in reading order. Adding one is adding a line here. */
export const widgets: WidgetDefinition[] = [
  { id: 'visits-over-time', span: 3, Component: VisitsOverTimeWidget },
  { id: 'geo', span: 1, Component: GeoDistributionWidget },
  { id: 'clients', span: 2, Component: ClientBreakdownWidget },
];
