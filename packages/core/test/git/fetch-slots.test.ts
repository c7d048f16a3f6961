import { describe, expect, it } from 'vitest';
import { FetchSlots } from '../../src/git/fetch-slots.js';

describe('FetchSlots', () => {
  it('lets `size` fetches run, queues the rest in order, and drops a waiter whose signal aborts', async () => {
    const slots = new FetchSlots(1);
    const never = new AbortController().signal;
    const first = await slots.acquire(never);
    const order: string[] = [];
    const quitter = new AbortController();
    const second = slots.acquire(quitter.signal).then(() => order.push('second'), (e: Error) => order.push(`second: ${e.message}`));
    const third = slots.acquire(never).then((release) => {
      order.push('third');
      return release;
    });
    quitter.abort(new Error('timed out'));
    await second;
    expect(order).toEqual(['second: timed out']);
    first();
    first(); // releasing twice frees one slot only
    const releaseThird = await third;
    expect(order).toEqual(['second: timed out', 'third']);
    let fourthIn = false;
    const fourth = slots.acquire(never).then((r) => ((fourthIn = true), r));
    await Promise.resolve();
    expect(fourthIn).toBe(false);
    releaseThird();
    (await fourth)();
    expect(fourthIn).toBe(true);
  });
});
