import { printPath } from './print';
import { Lexer } from './lexer';
import { readPath } from './parser/path';

const fold = (key: string): string => key.toLowerCase();

/**
 * A node of the variable tree: a value (undefined = none), named children from `.Name` steps and
 * indexed children from `[Index]` steps. Both maps are case-insensitive and keep definition order.
 */
export class Node {
  children: Map<string, Node> | null = null;
  indexes: Map<string, Node> | null = null;

  constructor(public value?: string) {}

  child(name: string): Node | undefined {
    return this.children?.get(fold(name));
  }

  index(key: string): Node | undefined {
    return this.indexes?.get(fold(key));
  }

  firstIndex(): Node | undefined {
    return this.indexes?.values().next().value;
  }

  setChild(name: string, node: Node): Node {
    (this.children ??= new Map()).set(fold(name), node);
    return node;
  }

  childOrCreate(name: string): Node {
    return this.child(name) ?? this.setChild(name, new Node());
  }

  indexOrCreate(key: string): Node {
    const found = this.index(key);
    if (found) return found;
    const node = new Node(key);
    (this.indexes ??= new Map()).set(fold(key), node);
    return node;
  }
}

/** Merges variables into one tree; names are parsed as paths (prefix parse, unparsable ignored). */
export function buildBinding(variables: Iterable<readonly [string, string]>): Node {
  const root = new Node();
  for (const [name, value] of variables) {
    const path = readPath(new Lexer(name), 0);
    if (!path) continue;
    let node = root;
    for (const step of path.steps) {
      if (step.kind === 'name') node = node.childOrCreate(step.text);
      else node = node.indexOrCreate(step.symbol ? `#{${printPath(step.symbol)}}` : step.text);
    }
    node.value = value;
  }
  return root;
}
