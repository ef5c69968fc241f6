import { expect } from 'vitest';
import { ProtocolClient } from './protocol-client.js';
import { hello, syntheticRecord } from './records.js';

/**
 * A well-behaved agent kept connected next to misbehaving ones: `ok()` sends a fresh batch and
 * requires its ack, proving the collector still serves the others.
 */
export class GoodAgent {
  private seq = 0;
  stored = 0;

  private constructor(
    private readonly client: ProtocolClient,
    readonly agentId: string,
    private readonly index: number,
  ) {}

  static async connect(wsUrl: string, token: string, index = 90): Promise<GoodAgent> {
    const client = await ProtocolClient.connect(wsUrl, token);
    const agentId = `good-agent-${index}`;
    client.sendJson(hello(agentId));
    expect(await client.next()).toMatchObject({ type: 'welcome', agentId });
    return new GoodAgent(client, agentId, index);
  }

  async ok(records = 2): Promise<void> {
    this.seq++;
    const batch = Array.from({ length: records }, (_, k) => syntheticRecord(this.index, this.stored + k));
    this.client.sendJson({ type: 'measurements', seq: this.seq, records: batch });
    expect(await this.client.next()).toEqual({
      type: 'ack',
      seq: this.seq,
      stored: records,
      duplicate: false,
    });
    this.stored += records;
  }

  close(): void {
    this.client.close();
  }
}
