"""The broker a Python check talks to, from the command line: the chronik binary whose path
comes first, or, with --kafka first, Apache Kafka from Maven (kafka_broker.py), started with
the same settings so that the answers a check expects are Kafka's. Importing this takes those
arguments out of sys.argv and leaves unittest's.

usage: <test>.py <path to chronik> [unittest options]
       <test>.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import os
import sys

import chronik_broker
import kafka_broker

KAFKA = "--kafka" in sys.argv[1:2]
if KAFKA:
    sys.argv.pop(1)
CHRONIK = os.path.abspath(sys.argv.pop(1)) if not KAFKA and len(sys.argv) > 1 and not sys.argv[1].startswith("-") \
    else "chronik"


def start(*settings, name, extra_listeners=(), **chronik_only):
    """A broker with `settings` (server.properties lines) and `extra_listeners` beside
    PLAINTEXT; `chronik_only` (admin=, env=) are chronik_broker.Broker's own options."""
    if KAFKA:
        return kafka_broker.Broker(*settings, extra_listeners=extra_listeners, prefix=f"kafka-{name}-")
    return chronik_broker.Broker(CHRONIK, *settings, extra_listeners=extra_listeners, prefix=f"chronik-{name}-",
                                 **chronik_only)
