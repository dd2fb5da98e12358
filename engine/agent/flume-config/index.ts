/**
 * Flume agent properties ⇄ pipeline documents. Pure and browser-safe (no fs, no node: imports):
 * the editor converts in the browser, `weir agent` on the command line.
 */
export { parseFlumeProperties, flumeAgentNames, type FlumeConfigProblem, type FlumeParseOptions, type FlumeParseResult } from './parse';
export { toFlumeProperties, exportFlumeProperties } from './export';
export { mergeGraphs } from './merge';
export { autoLayout } from './layout';
export { parseProperties, escapeKey, escapeValue, type PropertyEntry } from './properties';
export { flumeTypeTable, weirTypeFor, flumeTypeFor, supportedFlumeTypes } from './type-names';
