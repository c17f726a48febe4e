import type { Step, SymbolPath } from './ast';
import { Node } from './binding';
import { EvaluationError, RecursiveDefinitionError } from './errors';
import type { Evaluator } from './evaluate';
import { jsonText, parseJson } from './json';
import { makePath, pathKey } from './parser/path';
import { printPath } from './print';
import { Report, Scope } from './scope';

function guard(path: SymbolPath, scope: Scope): void {
  let key: string | null = null;
  for (let s: Scope | null = scope; s; s = s.parent) {
    if (!s.stack.length) continue;
    key ??= pathKey(path);
    if (s.stack.some((p) => pathKey(p) === key)) {
      const chain = [...s.stack.map(printPath), printPath(path)];
      throw new RecursiveDefinitionError(printPath(path), chain);
    }
  }
}

/** Replaces `[#{p}]` steps by the value of p where p resolves; others stay symbolic. */
function resolveIndexers(
  path: SymbolPath,
  scope: Scope,
  ev: Evaluator,
  report: Report
): SymbolPath {
  if (!path.steps.some((s) => s.kind === 'index' && s.symbol)) return path;
  const steps = path.steps.map((step): Step => {
    if (step.kind !== 'index' || !step.symbol) return step;
    const value = walkTo(step.symbol, scope, ev, report)?.value;
    return value === undefined ? step : { kind: 'index', text: value, offset: -1, symbol: null };
  });
  return makePath(steps, path.source);
}

/** Section 6: a step not found among the variables is tried against the node's value as JSON. */
function jsonStep(node: Node, step: Step, scope: Scope, ev: Evaluator): Node | null {
  let text = node.value;
  if (!text) return null;
  if (text.includes('#{')) {
    try {
      text = ev.expandValue(text, scope, new Report());
    } catch (e) {
      if (e instanceof RecursiveDefinitionError) return null;
      throw e;
    }
  }
  const json = parseJson(text);
  if (!json) return null;
  if (json.t === 'obj') {
    const prop = json.props.get(step.text);
    return new Node(prop ? jsonText(prop) : '');
  }
  if (json.t !== 'arr' || !/^\s*[+-]?\d+\s*$/.test(step.text)) return null;
  const index = Number(step.text);
  if (index < 0) throw new EvaluationError(`Index was out of range: ${index}`);
  const item = json.items[index];
  return new Node(item ? jsonText(item) : '');
}

function stepInto(node: Node, step: Step, scope: Scope, ev: Evaluator): Node | null {
  if (step.kind === 'name') {
    const child = node.child(step.text);
    if (child) return child;
  } else {
    if (step.symbol) return null;
    const child = step.text === '*' ? node.firstIndex() : node.index(step.text);
    if (child) return child;
  }
  return jsonStep(node, step, scope, ev);
}

/**
 * Resolves a path in a scope: recursion guard, symbolic indexers, walk (restarting in the parent
 * scope when a step fails), then expansion of the value found. Null when not found.
 */
export function walkTo(path: SymbolPath, scope: Scope, ev: Evaluator, report: Report): Node | null {
  guard(path, scope);
  ev.budget.step();
  scope.stack.push(path);
  try {
    const resolved = resolveIndexers(path, scope, ev, report);
    let node: Node = scope.binding;
    for (const step of resolved.steps) {
      const next = stepInto(node, step, scope, ev);
      if (!next) return scope.parent ? walkTo(resolved, scope.parent, ev, report) : null;
      node = next;
    }
    return node.value === undefined ? node : new Node(ev.expandValue(node.value, scope, report));
  } finally {
    scope.stack.pop();
  }
}
