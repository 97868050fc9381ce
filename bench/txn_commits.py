#!/usr/bin/env python3
"""Back-to-back transactions with a librdkafka transactional producer (confluent-kafka), as an
exactly-once application commits them: begin, produce a few records, commit; the time of each
commit_transaction() (which flushes the records, sends EndTxn and returns once the broker
answered) is the commit latency.

    bench/txn_commits.py <bootstrap> <topic> <transactions> <records per transaction> <record size>

Prints one JSON object: transactions/s, MB/s of record values, commit p50/p99/p99.9 in ms.
"""
import json
import sys
import time

from confluent_kafka import Producer


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values))) - 1))]


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    transactions, per_txn, size = (int(a) for a in sys.argv[3:6])
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": "bench-txn-commits", "linger.ms": 0})
    p.init_transactions(30)
    value = b"x" * size
    # One warm-up transaction: the first one finds the coordinator and the partitions' leaders.
    p.begin_transaction()
    p.produce(topic, value)
    p.commit_transaction(30)
    commits = []
    started = time.perf_counter()
    for _ in range(transactions):
        p.begin_transaction()
        for _ in range(per_txn):
            p.produce(topic, value)
        t0 = time.perf_counter()
        p.commit_transaction(30)
        commits.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - started
    commits.sort()
    print(json.dumps({"transactions_s": transactions / seconds,
                      "mb_s": transactions * per_txn * size / seconds / 1e6,
                      "p50_ms": percentile(commits, 0.50), "p99_ms": percentile(commits, 0.99),
                      "p999_ms": percentile(commits, 0.999), "seconds": seconds}))


if __name__ == "__main__":
    main()
