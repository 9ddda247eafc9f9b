import { MessageQueue } from './message-queue';

describe('MessageQueue', () => {
  it('given a full queue, when it is aborted, then the waiting producer is told to stop', async () => {
    const queue = new MessageQueue<number>(2);
    expect(await queue.push(1)).toBe(true);
    const blocked = queue.push(2);
    queue.abort();
    await expect(blocked).resolves.toBe(false);
  });

  it('given an aborted queue, when the producer pushes more, then nothing is kept', async () => {
    const queue = new MessageQueue<number>(2);
    queue.abort();
    for (let i = 0; i < 5; i++) expect(await queue.push(i)).toBe(false);
    expect(await queue.take(10)).toEqual([]);
  });
});
