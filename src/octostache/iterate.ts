import { Node } from './binding';
import { jsonText, parseJson } from './json';

/** The items `#{each}` iterates: indexed children, JSON array/object members, or a comma list. */
export function itemsOf(node: Node): Node[] {
  if (node.value === undefined) return node.indexes ? [...node.indexes.values()] : [];
  const json = parseJson(node.value);
  if (json?.t === 'arr') return json.items.map((item) => new Node(jsonText(item)));
  if (json?.t === 'obj') {
    return [...json.props].map(([key, value]) => {
      const item = new Node(key);
      item.setChild('Key', new Node(key));
      item.setChild('Value', new Node(jsonText(value)));
      return item;
    });
  }
  return node.value.split(',').map((piece) => new Node(piece));
}
