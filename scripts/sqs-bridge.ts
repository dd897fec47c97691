// The local stand-in for a Lambda SQS event source mapping: polls a queue in the emulator, hands each
// batch to a function in the Lambda SQS event shape, at most `maximumConcurrency` batches at once, and
// deletes what the function finished: every message, or all but its `batchItemFailures` (the
// ReportBatchItemFailures response). A message the function kept, or a batch whose invocation failed,
// is left to SQS: it comes back when its visibility timeout ends.
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A running bridge. */
export interface SqsBridge {
  /** Stops polling and waits for the batches in flight. */
  stop(): Promise<void>;
}

/** What the bridge polls and whom it invokes. */
export interface SqsBridgeOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** The function: answers its SQS batch response (or nothing, which deletes the whole batch). */
  invoke(event: SQSEvent): Promise<unknown>;
  /** The mapping's `batchSize` (≤ 10). */
  batchSize: number;
  /** The mapping's `maximumConcurrency`: batches in flight at once. */
  maximumConcurrency: number;
  /** Told about a failed invocation or poll (the bridge goes on). */
  onError?(error: Error): void;
}

/** Longest pause between two empty polls (short polls: the emulator spins on long polls of blocked FIFO groups). */
const MAX_IDLE_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One received message as Lambda hands it to a function. */
export const sqsRecordOf = (m: Message, queueArn: string, region: string): SQSRecord => ({
  messageId: m.MessageId!,
  receiptHandle: m.ReceiptHandle!,
  body: m.Body ?? '',
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 'local',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
    ...(m.Attributes as Partial<SQSRecord['attributes']> | undefined),
  },
  messageAttributes: {},
  md5OfBody: m.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

/** The ids a function's answer keeps; undefined when the answer is not a batch response (all done). */
const keptBy = (answer: unknown): Set<string> | undefined => {
  const failures = (answer as Partial<SQSBatchResponse> | null | undefined)?.batchItemFailures;
  return Array.isArray(failures) ? new Set(failures.map((f) => f.itemIdentifier)) : undefined;
};

/** Starts polling `queueUrl` and invoking the function. */
export const startSqsBridge = (o: SqsBridgeOptions): SqsBridge => {
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let idle = 0;

  const handle = async (messages: Message[]) => {
    let kept: Set<string> | undefined;
    try {
      kept = keptBy(await o.invoke({ Records: messages.map((m) => sqsRecordOf(m, o.queueArn, o.region)) }));
    } catch (error) {
      o.onError?.(error as Error);
      return;
    }
    const done = messages.filter((m) => !kept?.has(m.MessageId!));
    if (!done.length) return;
    await o.sqs
      .send(new DeleteMessageBatchCommand({ QueueUrl: o.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }))
      .catch((e: Error) => o.onError?.(e));
  };

  const poll = async () => {
    while (!stopping.signal.aborted) {
      if (inFlight.size >= o.maximumConcurrency) {
        await Promise.race(inFlight);
        continue;
      }
      let messages: Message[] = [];
      try {
        const out = await o.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: o.queueUrl, MaxNumberOfMessages: o.batchSize, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
          { abortSignal: stopping.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (stopping.signal.aborted) break;
        o.onError?.(error as Error);
      }
      if (!messages.length) {
        idle = Math.min(MAX_IDLE_MS, Math.max(10, idle * 2));
        await sleep(idle);
        continue;
      }
      idle = 0;
      const run = handle(messages).finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
  };

  const loop = poll();
  return {
    async stop() {
      stopping.abort();
      await loop;
      await Promise.all(inFlight);
    },
  };
};
