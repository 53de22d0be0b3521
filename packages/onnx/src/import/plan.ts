import { FormatError } from '@nn/core';
import { Attributes } from './attributes.js';

/** One node of the graph, as the module runs it. */
export interface PlanNode {
  readonly opType: string;
  /** Input value names, '' for an optional input left out. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attributes;
  /** Names the node for errors: `node '/fc1/Gemm' (Gemm)`. */
  readonly where: string;
}

/** How a node is named in errors: its name if it has one, else its position, and its op. */
export function nodeWhere(node: Record<string, unknown>, index: number): string {
  const name = typeof node.name === 'string' && node.name !== '' ? `'${node.name}'` : `#${index}`;
  return `node ${name} (${String(node.op_type ?? '?')})`;
}

/**
 * The graph's nodes in an order where each runs after what it reads (ONNX asks files to be sorted;
 * this does not rely on it). `known` holds the names available before any node runs (inputs,
 * initializers). A read of a value nothing makes, or a cycle, is a FormatError naming the node.
 */
export function planNodes(nodes: readonly Record<string, unknown>[], known: ReadonlySet<string>): PlanNode[] {
  const plan = nodes.map((n, i): PlanNode => {
    const where = nodeWhere(n, i);
    return {
      opType: String(n.op_type),
      inputs: ((n.input as string[] | undefined) ?? []).map(String),
      outputs: ((n.output as string[] | undefined) ?? []).map(String),
      attrs: new Attributes(n.attribute as Record<string, unknown>[] | undefined, where),
      where,
    };
  });
  const producer = new Map<string, number>();
  plan.forEach((n, i) =>
    n.outputs.forEach((o) => {
      if (o === '') return;
      if (producer.has(o) || known.has(o)) throw new FormatError('importOnnx', `${n.where}: value '${o}' is written twice (a graph input, an initializer or another node's output); the file is malformed — export it again`);
      producer.set(o, i);
    }),
  );
  for (const n of plan) {
    for (const i of n.inputs) {
      if (i !== '' && !known.has(i) && !producer.has(i)) {
        throw new FormatError('importOnnx', `${n.where} reads '${i}', which no node, graph input or initializer makes; the file is malformed — export it again`);
      }
    }
  }
  // Kahn's algorithm, keeping the file's order among nodes that are ready.
  const order: PlanNode[] = [];
  const done = new Set<number>();
  const ready = (n: PlanNode): boolean => n.inputs.every((i) => i === '' || known.has(i) || done.has(producer.get(i)!));
  while (order.length < plan.length) {
    const next = plan.findIndex((n, i) => !done.has(i) && ready(n));
    if (next < 0) {
      const stuck = plan.find((n, i) => !done.has(i))!;
      throw new FormatError('importOnnx', `${stuck.where} is part of a cycle (it waits on its own output); an ONNX graph must be acyclic — the file is malformed`);
    }
    done.add(next);
    order.push(plan[next]!);
  }
  return order;
}
