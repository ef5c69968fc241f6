import { NetworkError } from '@neuralpower/core';

/**
 * Orders named items so each comes after its parents (files list layers in any order).
 * Unknown parents and cycles fail naming the layer.
 */
export function topoSort<T extends { name: string; parents: readonly string[] }>(
  items: readonly T[],
  /** Names that may appear as parents without being items (the network input). */
  external: ReadonlySet<string> = new Set(),
): T[] {
  const byName = new Map<string, T>();
  for (const item of items) {
    if (byName.has(item.name)) throw new NetworkError(item.name, 'duplicate layer name', 'name');
    byName.set(item.name, item);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const order: T[] = [];
  for (const root of items) {
    if (state.has(root.name)) continue;
    const stack: { item: T; next: number }[] = [{ item: root, next: 0 }];
    state.set(root.name, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.item.parents.length) {
        const parentName = top.item.parents[top.next++]!;
        if (external.has(parentName)) continue;
        const parent = byName.get(parentName);
        if (!parent) {
          throw new NetworkError(top.item.name, `unknown parent ${JSON.stringify(parentName)}`, 'parents');
        }
        const s = state.get(parentName);
        if (s === 'visiting') throw new NetworkError(parentName, 'the graph has a cycle through this layer');
        if (s === undefined) {
          state.set(parentName, 'visiting');
          stack.push({ item: parent, next: 0 });
        }
      } else {
        state.set(top.item.name, 'done');
        order.push(top.item);
        stack.pop();
      }
    }
  }
  return order;
}
