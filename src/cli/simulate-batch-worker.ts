// A worker thread of `grantflow simulate --batch`: evaluates the blocks of lines it is sent with its
// own BatchEvaluator (and so its own cache of compiled policy sets), and sends each block's results
// back with the block's buffer, for the main thread to reuse.
import { parentPort } from 'node:worker_threads';
import { BatchEvaluator } from '../evaluate/index.ts';
import type { BlockReply, BlockTask } from './simulate-batch.ts';

const port = parentPort;
if (port === null) throw new Error('simulate-batch-worker.ts runs as a worker thread only');
const evaluator = new BatchEvaluator();

port.on('message', (task: BlockTask) => {
  let reply: BlockReply;
  const transfer: ArrayBuffer[] = [task.buffer];
  try {
    // Lines are numbered from 1 within the block: the main thread knows where it starts.
    const result = evaluator.evaluateBlock(Buffer.from(task.buffer, 0, task.length), 1);
    reply = { seq: task.seq, result, buffer: task.buffer };
    // The results' bytes are in a buffer of their own: moved to the main thread, not copied.
    transfer.push(result.out.buffer as ArrayBuffer);
  } catch (err) {
    reply = { seq: task.seq, error: (err as Error).stack ?? String(err), buffer: task.buffer };
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ ready: true } satisfies BlockReply);
