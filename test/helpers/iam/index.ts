import { startIamGate, type IamGate } from './gate';
import { packagedPolicies, type StackPolicies } from './template-policies';

export { type IamGate } from './gate';

/**
 * A `front` for startLocalStack: the IAM gate with the packaged template's policies in front
 * of the embedded server. `gated.gate` is the running gate once the stack has started.
 */
export function gatedFront(policies: StackPolicies = packagedPolicies()) {
  const holder: { gate?: IamGate } = {};
  return {
    get gate(): IamGate {
      if (!holder.gate) throw new Error('the stack has not started its IAM gate yet');
      return holder.gate;
    },
    front: async (endpoint: string) => {
      holder.gate = await startIamGate(endpoint, policies);
      return holder.gate;
    },
  };
}
