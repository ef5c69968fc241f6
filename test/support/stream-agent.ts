/**
 * An agent made of the real agent's durable outbox and collector stream (the code `neuralpower
 * agent` sends with), fed synthetic records instead of measurements. Imported by path so a test
 * does not load TF.js, which the agent package's index pulls in.
 */
import { Outbox } from '../../agent/src/outbox/outbox.js';
import { CollectorStream } from '../../agent/src/stream/client.js';
import { platform, recordKey, syntheticRecord } from './records.js';

export interface StreamAgentOptions {
  readonly index: number;
  readonly stateDir: string;
  readonly url: string;
  readonly token: string;
  readonly batchSize?: number;
}

export class StreamAgent {
  readonly agentId: string;
  readonly outbox: Outbox;
  readonly stream: CollectorStream;
  /** Records put into the outbox so far (their indices are 0 … produced-1). */
  produced = 0;

  constructor(readonly options: StreamAgentOptions) {
    this.agentId = `reliability/agent-${options.index}`;
    this.outbox = new Outbox(options.stateDir);
    this.stream = new CollectorStream({
      url: options.url,
      token: options.token,
      outbox: this.outbox,
      hello: {
        agentId: this.agentId,
        host: 'reliability-test',
        agentVersion: '0.1.0',
        platforms: [platform],
      },
      batchSize: options.batchSize ?? 25,
      // Short backoff: the collector comes back within a second or two in these tests.
      initialBackoffMs: 20,
      maxBackoffMs: 300,
      replyTimeoutMs: 10_000,
    });
  }

  start(): void {
    this.stream.start();
  }

  /** Puts `n` more records into the durable outbox and wakes the sender. */
  produce(n: number): void {
    for (let k = 0; k < n; k++) {
      const record = syntheticRecord(this.options.index, this.produced);
      this.outbox.add(record, recordKey(record));
      this.produced++;
    }
    this.stream.notify();
  }

  /** The natural keys and runtimes of everything produced (the ground truth). */
  expected(): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = 0; i < this.produced; i++) {
      const r = syntheticRecord(this.options.index, i);
      out.set(recordKey(r), r.runtime.meanMs);
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.stream.stop();
    this.outbox.close();
  }
}
