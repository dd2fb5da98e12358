'use client';

import { createContext, useContext } from 'react';
import type { NodeStatus } from '@/components/api/types';

/**
 * What every node card shows besides its document data: live counters and whether the last
 * validation blamed it. Kept out of node `data` so a status tick does not rewrite the document.
 */
export interface EditorOverlay {
  status: Record<string, NodeStatus> | null;
  nodesWithIssues: ReadonlySet<string>;
}

export const EditorOverlayContext = createContext<EditorOverlay>({ status: null, nodesWithIssues: new Set() });

export const useEditorOverlay = () => useContext(EditorOverlayContext);
