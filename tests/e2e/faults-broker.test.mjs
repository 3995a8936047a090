// faults-broker.test.mjs — the broker itself failing under a steady stream of
// transfers through two gateways (embedded-kafka --control): every broker down and
// up again; bursts of errors pushed on Produce and on Fetch requests (retriable
// ones, and disconnects); on a 3-broker cluster, partition leaders moved around.
//
// Every Produce error a broker can answer is pushed, the uncertain ones (timeouts,
// disconnects) included: with one produce request in flight per connection
// (kafka.max_in_flight, the default) nothing acknowledged goes missing. With 5, the
// librdkafka 2.0.2 mock loses acknowledged batches under every one of them but
// disconnects (build/bin/idem-probe; docs/architecture.md, "Fault by fault"), and
// this case failed about one run in six.
// Then every unanswered transfer is sent again and the money rules are checked.
import { test } from 'node:test';

import { runCase } from './faults-lib.mjs';
import { sleep } from '../lib/stack.mjs';

test('broker down and up', { timeout: 300000 }, () =>
  runCase('broker down/up', {
    inject: async (s) => {
      for (let k = 0; k < 3; k++) {
        await sleep(1500);
        await s.k.control('down -1');
        await sleep(2000);
        await s.k.control('up -1');
      }
      await sleep(2000);
      return '3 outages of 2 s';
    },
  }));

test('errors pushed on Produce and Fetch', { timeout: 300000 }, () =>
  runCase('request errors', {
    inject: async (s) => {
      const bursts = [
        'errors Produce 5 REQUEST_TIMED_OUT',
        'errors Fetch 5 NOT_LEADER_FOR_PARTITION',
        'errors Produce 4 NOT_ENOUGH_REPLICAS REQUEST_TIMED_OUT',
        'errors Fetch 4 UNKNOWN_TOPIC_OR_PART LEADER_NOT_AVAILABLE',
        'errors Produce 2 _TRANSPORT',
        'errors Fetch 2 _TRANSPORT',
        'errors Produce 6 NOT_ENOUGH_REPLICAS',
        'errors Fetch 6 NOT_LEADER_FOR_PARTITION _TRANSPORT',
        'errors Produce 5 NOT_LEADER_FOR_PARTITION',
        'errors Produce 5 LEADER_NOT_AVAILABLE REQUEST_TIMED_OUT',
      ];
      for (const b of bursts) {
        await sleep(700);
        await s.k.control(b);
      }
      await sleep(2000);
      return `${bursts.length} error bursts`;
    },
  }));

test('leader changes on a 3-broker cluster', { timeout: 300000 }, () =>
  runCase('leader changes', {
    stack: { brokers: 3 },
    inject: async (s) => {
      let moves = 0;
      for (let k = 0; k < 4; k++) {
        await sleep(1200);
        for (const t of s.topo.topics)
          for (let p = 0; p < t.partitions; p++) {
            await s.k.control(`leader ${t.name} ${p} ${((p + k + 1) % 3) + 1}`);
            moves++;
          }
      }
      await sleep(2000);
      return `${moves} leader moves in 4 rounds`;
    },
  }));
