import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { handleBatch } from '../worker/batch';
import type { WorkerDeps } from '../worker/deps';

/** An SQS message as Lambda's event source mapping hands it to a function. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attrs = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? '',
      ApproximateFirstReceiveTimestamp:
        attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** The step a message names, for the "received" line: the handler validates it properly. */
function namedStep(body: string | undefined): Record<string, string> {
  try {
    const value = JSON.parse(body ?? '') as { deploymentId?: unknown; stepId?: unknown };
    return typeof value.deploymentId === 'string' && typeof value.stepId === 'string'
      ? { deploymentId: value.deploymentId, stepId: value.stepId }
      : {};
  } catch {
    return {};
  }
}

/**
 * Plays Lambda's part for the local stack: `concurrency` pollers each receive one message,
 * invoke the real batch handler with a real SQS event and a deadline, and delete what
 * succeeded; failures stay on the queue for its visibility timeout and redrive policy.
 */
export class QueueWorker {
  private running = false;
  private loops: Promise<void>[] = [];
  handled = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deps: WorkerDeps,
    private readonly options: { concurrency: number; functionTimeoutMs: number }
  ) {}

  start(): void {
    this.running = true;
    // Each poller is a Lambda instance of its own: with one worker id for all, two deliveries
    // of the same step would each take the other's claim for their own and both run it.
    for (let i = 0; i < this.options.concurrency; i++)
      this.loops.push(this.loop({ ...this.deps, workerId: `${this.deps.workerId}/p${i + 1}` }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(deps: WorkerDeps): Promise<void> {
    while (this.running) {
      let messages: Message[] = [];
      try {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          })
        );
        messages = out.Messages ?? [];
      } catch (error) {
        deps.log?.('warn', 'receive failed; retrying', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      for (const m of messages) {
        deps.log?.('info', 'step received', {
          ...namedStep(m.Body),
          messageId: m.MessageId,
          receiveCount: m.Attributes?.ApproximateReceiveCount,
          worker: deps.workerId,
        });
      }
      const event: SQSEvent = {
        Records: messages.map((m) =>
          toRecord(m, `arn:aws:sqs:local:000000000000:queue`, 'us-east-1')
        ),
      };
      const deadline = Date.now() + this.options.functionTimeoutMs;
      const response = await handleBatch(event, deps, {
        getRemainingTimeInMillis: () => deadline - Date.now(),
      });
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const message of messages) {
        if (failed.has(message.MessageId ?? '')) continue;
        await this.sqs
          .send(
            new DeleteMessageCommand({
              QueueUrl: this.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
            })
          )
          .catch(() => undefined);
      }
      this.handled += messages.length;
    }
  }
}
