// stream.js — a stream_transactions subscription that survives reconnects
// without losing or repeating a transaction.
//
// It remembers the id of the last transaction it handed on and, each time the
// socket client (ws.js) subscribes again, asks for `after_id` = that id. The
// gateway then sends every stored match after it, in id order, before going
// live; anything at or below the last id (a repeat at the seam) is dropped
// here as well, so the page sees every id once, in increasing order.

/**
 * Follows `query` (a stream_transactions subscription with an $after: Int
 * variable) on `client` with `variables`, starting after id `after` (a
 * number: 0 replays everything stored). onTx(tx) for each new transaction;
 * onError(message) when the gateway refuses or ends the stream.
 * Returns {stop(), lastId()}.
 */
export function resumableStream(client, query, variables, after, { onTx, onError }) {
  let last = after;
  const stop = client.subscribe(() => ({ query, variables: { ...variables, after: last } }), {
    next(result) {
      if (result?.errors?.length) {
        onError?.(result.errors.map((e) => e.message).join('; '));
        return;
      }
      const tx = result?.data?.stream_transactions;
      if (!tx || !(tx.id > last)) return;
      last = tx.id;
      onTx(tx);
    },
    error(errors) {
      onError?.(Array.isArray(errors) ? errors.map((e) => e.message).join('; ') : 'the stream was ended');
    },
    complete() {},
  });
  return { stop, lastId: () => last };
}
