"""One small adapter per Python client, so that scenarios.py is written once.

Each adapter speaks its client's own public API (feature-detected: Debian's older releases
lack some calls; those raise Unsupported, naming what is missing).
"""
import asyncio
import base64
import collections
import json
import time

Rec = collections.namedtuple("Rec", "partition offset key value headers timestamp")
TIMEOUT = 30


class Unsupported(Exception):
    pass


def need(obj, attr, what):
    if not hasattr(obj, attr):
        raise Unsupported(f"{what}: this release has no {attr}()")
    return getattr(obj, attr)


def unsecured_jwt(principal, seconds=3600):
    """An unsecured JWT (RFC 7515 with alg none, the empty signature) for OAUTHBEARER, what
    Kafka's OAuthBearerUnsecuredValidatorCallbackHandler accepts: sub and exp (seconds)."""
    def part(d):
        return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=").decode()
    now = int(time.time())
    return f"{part({'alg': 'none'})}.{part({'sub': principal, 'iat': now, 'exp': now + seconds})}."


def _group_state(info):
    """State and member count from the shapes the clients return (objects, tuples, dicts)."""
    if isinstance(info, dict):
        return info.get("group_state", info.get("state")), len(info.get("members") or [])
    if hasattr(info, "state") and hasattr(info, "members"):
        return str(info.state), len(info.members)
    # Old kafka-python / aiokafka: (error_code, group_id, state, protocol_type, protocol, members, ...)
    return info[2], len(info[5])


# ---------------------------------------------------------------------------------------
class ConfluentKafka:
    def __init__(self, bootstrap):
        import confluent_kafka
        from confluent_kafka import admin
        self.ck, self.ad, self.b = confluent_kafka, admin, bootstrap
        self.errors = []
        self.admin = admin.AdminClient(self.conf())
        self._meta = None

    def conf(self, **extra):
        c = {"bootstrap.servers": self.b, "error_cb": lambda e: self.errors.append(str(e))}
        c.update(extra)
        return c

    def last_error(self):
        return f"; client errors: {self.errors[-1]}" if self.errors else ""

    def version(self):
        v = self.ck.version()  # a tuple before 2.x, a string after
        return f"{v[0] if isinstance(v, tuple) else v} (librdkafka {self.ck.libversion()[0]})"

    def meta_consumer(self):
        if self._meta is None:
            self._meta = self.ck.Consumer(self.conf(**{"group.id": "compat-meta", "enable.auto.commit": False}))
        return self._meta

    def brokers(self):
        md = self.admin.list_topics(timeout=10)
        return [f"{b.host}:{b.port}" for b in md.brokers.values()]

    def _wait(self, futures):
        for f in futures.values():
            f.result(TIMEOUT)

    def create_topic(self, t, n, configs=None):
        self._wait(self.admin.create_topics([self.ad.NewTopic(t, n, 1, config=configs or {})], operation_timeout=10))

    def partitions(self, t):
        return len(self.admin.list_topics(t, timeout=10).topics[t].partitions)

    def topics(self):
        return set(self.admin.list_topics(timeout=10).topics)

    def produce(self, t, msgs, acks, compression=None, idempotent=False, extra=None, partitions=None):
        conf = self.conf(**{"acks": str(acks), "linger.ms": 5})
        if compression:
            conf["compression.type"] = compression
        if idempotent:
            conf["enable.idempotence"] = True
        conf.update(extra or {})
        p = self.ck.Producer(conf)
        failed = []
        for i, m in enumerate(msgs):
            kw = dict(key=m[0], value=m[1], on_delivery=lambda err, msg: err and failed.append(err))
            if m[2]:
                kw["headers"] = m[2]
            if len(m) > 3:
                kw["timestamp"] = m[3]
            if partitions:
                kw["partition"] = partitions[i]
            p.produce(t, **kw)
            p.poll(0)
        left = p.flush(TIMEOUT)
        assert left == 0, f"{left} messages not delivered after {TIMEOUT} s{self.last_error()}"
        assert not failed, f"{len(failed)} deliveries failed, first: {failed[0]}"
        return p

    def _records(self, c, n, deadline, strict=True):
        out = []
        while len(out) < n and time.time() < deadline:
            if strict and any("not supported by broker" in e for e in self.errors[-3:]):
                break
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == self.ck.KafkaError._PARTITION_EOF:
                    continue
                self.errors.append(str(m.error()))
                continue
            if strict and any("not supported by broker" in e for e in self.errors[-3:]):
                break  # librdkafka gave up: the broker does not advertise what this needs
            out.append(Rec(m.partition(), m.offset(), m.key(), m.value(), m.headers(), m.timestamp()[1]))
        return out

    def consume(self, t, start, n, read_committed=False):
        c = self.ck.Consumer(self.conf(**{"group.id": "compat-assign", "enable.auto.commit": False,
                                          "isolation.level": "read_committed" if read_committed else "read_uncommitted"}))
        try:
            c.assign([self.ck.TopicPartition(t, p, o) for p, o in start.items()])
            return self._records(c, n, time.time() + TIMEOUT)
        finally:
            c.close()

    def offset_for_time(self, t, p, ts):
        return self.meta_consumer().offsets_for_times([self.ck.TopicPartition(t, p, ts)], timeout=10)[0].offset

    def watermarks(self, t, p):
        return tuple(self.meta_consumer().get_watermark_offsets(self.ck.TopicPartition(t, p), timeout=10))

    def describe_configs(self, t):
        r = self.ad.ConfigResource("topic", t)
        return {k: e.value for k, e in self.admin.describe_configs([r])[r].result(TIMEOUT).items()}

    def alter_configs(self, t, configs):
        if hasattr(self.admin, "incremental_alter_configs"):
            entries = [self.ad.ConfigEntry(k, v, incremental_operation=self.ad.AlterConfigOpType.SET)
                       for k, v in configs.items()]
            r = self.ad.ConfigResource("topic", t, incremental_configs=entries)
            self._wait(self.admin.incremental_alter_configs([r]))
        else:
            r = self.ad.ConfigResource("topic", t, set_config=configs)
            self._wait(self.admin.alter_configs([r]))

    def group_consumer(self, group, topic):
        return ConfluentMember(self, group, topic)

    def consumer_protocol_conf(self):
        """The member configuration of a KIP-848 consumer, or Unsupported naming why not."""
        conf = {"group.protocol": "consumer"}
        try:
            self.ck.Consumer(self.conf(**{"group.id": "compat-probe"}, **conf)).close()
        except self.ck.KafkaException as e:
            why = e.args[0].str() if e.args and hasattr(e.args[0], "str") else str(e)
            raise Unsupported(f"librdkafka {self.ck.libversion()[0]} refuses group.protocol=consumer, KIP-848 "
                              f"consumers need librdkafka 2.4 or newer: {why}") from None
        return conf

    def list_groups(self):
        if hasattr(self.admin, "list_consumer_groups"):
            return {g.group_id for g in self.admin.list_consumer_groups().result(TIMEOUT).valid}
        return {g.id for g in self.admin.list_groups(timeout=10)}

    def describe_group(self, g):
        if hasattr(self.admin, "describe_consumer_groups"):
            d = self.admin.describe_consumer_groups([g])[g].result(TIMEOUT)
            return str(d.state), len(d.members)
        d = self.admin.list_groups(g, timeout=10)[0]
        return d.state, len(d.members)

    def reset_group_offsets(self, g, t, offsets):
        tps = [self.ck.TopicPartition(t, p, o) for p, o in offsets.items()]
        if hasattr(self.admin, "alter_consumer_group_offsets"):
            from confluent_kafka import ConsumerGroupTopicPartitions
            self._wait(self.admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(g, tps)]))
            return
        # Older releases: commit for the (empty) group from an assigned consumer.
        c = self.ck.Consumer(self.conf(**{"group.id": g, "enable.auto.commit": False}))
        try:
            c.commit(offsets=tps, asynchronous=False)
        finally:
            c.close()

    def delete_group(self, g):
        self._wait(need(self.admin, "delete_consumer_groups", "DeleteGroups")([g]))

    def delete_records(self, t, p, offset):
        tp = self.ck.TopicPartition(t, p, offset)
        res = need(self.admin, "delete_records", "DeleteRecords")([tp])
        return list(res.values())[0].result(TIMEOUT).low_watermark

    def delete_topic(self, t):
        self._wait(self.admin.delete_topics([t], operation_timeout=10))

    def transaction(self, t, txid, commit1, abort, commit2):
        try:
            self._transaction(t, txid, commit1, abort, commit2)
        except self.ck.KafkaException as e:
            raise AssertionError(f"{e}{self.last_error()}") from None

    def _transaction(self, t, txid, commit1, abort, commit2):
        self.errors.clear()
        p = self.ck.Producer(self.conf(**{"transactional.id": txid, "linger.ms": 5}))
        p.init_transactions(15)
        for msgs, commit in ((commit1, True), (abort, False), (commit2, True)):
            p.begin_transaction()
            for m in msgs:
                p.produce(t, key=m[0], value=m[1], headers=m[2])
            p.flush(15)
            (p.commit_transaction if commit else p.abort_transaction)(15)

    def _metadata_with(self, **conf):
        self.errors.clear()
        a = self.ad.AdminClient(self.conf(**conf))
        try:
            a.list_topics(timeout=10)
        except self.ck.KafkaException as e:
            raise AssertionError(f"metadata: {e}{self.last_error()}") from None

    def _metadata_at(self, bootstrap, **conf):
        self.b, old = bootstrap, self.b
        try:
            self._metadata_with(**conf)
        finally:
            self.b = old

    def sasl_metadata(self, bootstrap, user, password, mechanism="PLAIN", tls=False, ca=None):
        conf = {"security.protocol": "SASL_SSL" if tls else "SASL_PLAINTEXT", "sasl.mechanisms": mechanism,
                "sasl.username": user, "sasl.password": password}
        if ca:
            conf["ssl.ca.location"] = ca
        self._metadata_at(bootstrap, **conf)

    def oauth_metadata(self, bootstrap, principal):
        # librdkafka makes (and refreshes) the unsecured JWT itself, for principal=...
        self._metadata_at(bootstrap, **{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "OAUTHBEARER",
                                        "enable.sasl.oauthbearer.unsecure.jwt": True,
                                        "sasl.oauthbearer.config": f"principal={principal}"})

    def tls_metadata(self, bootstrap, ca, cert=None, key=None):
        conf = {"security.protocol": "SSL"}
        if ca:
            conf["ssl.ca.location"] = ca
        if cert:
            conf.update({"ssl.certificate.location": cert, "ssl.key.location": key})
        self._metadata_at(bootstrap, **conf)

    def close(self):
        if self._meta:
            self._meta.close()


class ConfluentMember:
    def __init__(self, client, group, topic):
        self.cl, self.topic = client, topic
        self.c = client.ck.Consumer(client.conf(**{
            "group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000}))
        self.c.subscribe([topic])

    def poll_records(self, n, seconds):
        deadline = time.time() + seconds
        out = self.cl._records(self.c, n, deadline)
        while n == 0 and time.time() < deadline:
            out += self.cl._records(self.c, 1, deadline)
        assert len(out) >= n, f"group member read {len(out)} of {n} records in {seconds} s{self.cl.last_error()}"
        return out

    def assignment(self):
        return {tp.partition for tp in self.c.assignment()}

    def commit(self, offsets):
        self.c.commit(offsets=[self.cl.ck.TopicPartition(self.topic, p, o) for p, o in offsets.items()],
                      asynchronous=False)

    def committed(self, ps):
        return {tp.partition: tp.offset for tp in
                self.c.committed([self.cl.ck.TopicPartition(self.topic, p) for p in ps], timeout=10)}

    def close(self):
        self.c.close()


# ---------------------------------------------------------------------------------------
class KafkaPython:
    def __init__(self, bootstrap):
        import kafka
        from kafka import admin
        self.k, self.ad, self.b = kafka, admin, bootstrap
        self._admin = None
        self._meta = None

    @property
    def admin(self):
        if self._admin is None:
            self._admin = self.ad.KafkaAdminClient(bootstrap_servers=self.b, request_timeout_ms=15000)
        return self._admin

    def version(self):
        return self.k.__version__

    def meta_consumer(self):
        if self._meta is None:
            self._meta = self.k.KafkaConsumer(bootstrap_servers=self.b, enable_auto_commit=False)
        return self._meta

    def brokers(self):
        return [f"{b['host']}:{b['port']}" for b in self.admin.describe_cluster()["brokers"]]

    def create_topic(self, t, n, configs=None):
        r = self.admin.create_topics([self.ad.NewTopic(t, n, 1, topic_configs=configs or {})])
        for err in getattr(r, "topic_errors", []) or []:
            assert err[1] == 0, f"CreateTopics: error {err}"

    def partitions(self, t):
        c = self.k.KafkaConsumer(bootstrap_servers=self.b)
        try:
            return len(c.partitions_for_topic(t) or [])
        finally:
            c.close()

    def topics(self):
        c = self.k.KafkaConsumer(bootstrap_servers=self.b)
        try:
            return set(c.topics())
        finally:
            c.close()

    def produce(self, t, msgs, acks, compression=None, idempotent=False, partitions=None):
        kw = dict(bootstrap_servers=self.b, acks=acks, linger_ms=5)
        if compression:
            kw["compression_type"] = compression
        if idempotent:
            if "enable_idempotence" not in self.k.KafkaProducer.DEFAULT_CONFIG:
                raise Unsupported("this release has no idempotent producer (enable_idempotence)")
            kw["enable_idempotence"] = True
        elif "enable_idempotence" in self.k.KafkaProducer.DEFAULT_CONFIG:
            kw["enable_idempotence"] = False  # acks=0/1 are refused with idempotence on
        p = self.k.KafkaProducer(**kw)
        try:
            futures = [p.send(t, key=m[0], value=m[1], headers=m[2] or None,
                              timestamp_ms=m[3] if len(m) > 3 else None,
                              partition=partitions[i] if partitions else None) for i, m in enumerate(msgs)]
            p.flush(TIMEOUT)
            for f in futures:
                f.get(timeout=TIMEOUT)
        finally:
            p.close(timeout=5)

    def _poll(self, c, n, deadline):
        out = []
        while len(out) < n and time.time() < deadline:
            for recs in c.poll(timeout_ms=200).values():
                out += [Rec(r.partition, r.offset, r.key, r.value, r.headers, r.timestamp) for r in recs]
        return out

    def consume(self, t, start, n, read_committed=False):
        kw = {}
        if read_committed:
            if "isolation_level" not in self.k.KafkaConsumer.DEFAULT_CONFIG:
                raise Unsupported("this release has no read_committed consumer (isolation_level)")
            kw["isolation_level"] = "read_committed"
        c = self.k.KafkaConsumer(bootstrap_servers=self.b, enable_auto_commit=False, **kw)
        try:
            tps = {p: self.k.TopicPartition(t, p) for p in start}
            c.assign(list(tps.values()))
            for p, o in start.items():
                c.seek(tps[p], o)
            return self._poll(c, n, time.time() + TIMEOUT)
        finally:
            c.close()

    def offset_for_time(self, t, p, ts):
        tp = self.k.TopicPartition(t, p)
        r = self.meta_consumer().offsets_for_times({tp: ts})[tp]
        return -1 if r is None else r.offset

    def watermarks(self, t, p):
        tp = self.k.TopicPartition(t, p)
        c = self.meta_consumer()
        return c.beginning_offsets([tp])[tp], c.end_offsets([tp])[tp]

    def describe_configs(self, t):
        res = self.ad.ConfigResource(self.ad.ConfigResourceType.TOPIC, t)
        try:
            r = self.admin.describe_configs([res], config_filter="all")
        except TypeError:
            r = self.admin.describe_configs([res])
        if isinstance(r, dict):  # 3.x: {type: {name: {key: {value...}}}}
            entries = list(list(r.values())[0].values())[0]
            return {k: (v.get("value") if isinstance(v, dict) else v) for k, v in entries.items()}
        resource = r[0].resources[0]  # 2.x: (error_code, message, type, name, entries)
        assert resource[0] == 0, f"DescribeConfigs: error {resource[0]} {resource[1]}"
        return {e[0]: e[1] for e in resource[4]}

    def alter_configs(self, t, configs):
        r = self.admin.alter_configs([self.ad.ConfigResource(self.ad.ConfigResourceType.TOPIC, t, configs=configs)])
        for resource in getattr(r, "resources", []) or []:
            assert resource[0] == 0, f"AlterConfigs: error {resource[0]} {resource[1]}"

    def group_consumer(self, group, topic):
        return KafkaPythonMember(self, group, topic)

    def consumer_protocol_conf(self):
        if "group_protocol" not in self.k.KafkaConsumer.DEFAULT_CONFIG:
            raise Unsupported(f"kafka-python {self.k.__version__} has only the classic group protocol: its "
                              "KafkaConsumer has no group_protocol setting and never sends ConsumerGroupHeartbeat")
        return {"group_protocol": "consumer"}

    def list_groups(self):
        fn = getattr(self.admin, "list_groups", None) or self.admin.list_consumer_groups
        out = set()
        for g in fn():
            out.add(g["group_id"] if isinstance(g, dict) else g[0])
        return out

    def describe_group(self, g):
        fn = getattr(self.admin, "describe_groups", None) or self.admin.describe_consumer_groups
        r = fn([g])
        return _group_state(r[g] if isinstance(r, dict) else r[0])

    def _oam(self, offset):
        try:
            return self.k.structs.OffsetAndMetadata(offset, "", -1)
        except TypeError:
            return self.k.structs.OffsetAndMetadata(offset, "")

    def reset_group_offsets(self, g, t, offsets):
        tps = {self.k.TopicPartition(t, p): self._oam(o) for p, o in offsets.items()}
        if hasattr(self.admin, "alter_group_offsets"):
            errors = self.admin.alter_group_offsets(g, tps)
            bad = {tp: e for tp, e in (errors or {}).items() if e is not None and getattr(e, "errno", 0)}
            assert not bad, f"alter_group_offsets: {bad}"
            return
        c = self.k.KafkaConsumer(bootstrap_servers=self.b, group_id=g, enable_auto_commit=False)
        try:
            c.assign(list(tps))
            c.commit(tps)
        finally:
            c.close()

    def delete_group(self, g):
        fn = getattr(self.admin, "delete_groups", None) or need(self.admin, "delete_consumer_groups", "DeleteGroups")
        r = fn([g])
        for item in (r.items() if isinstance(r, dict) else r):
            err = item[1]
            assert err is None or getattr(err, "errno", 0) == 0, f"delete group: {err}"

    def delete_records(self, t, p, offset):
        tp = self.k.TopicPartition(t, p)
        r = need(self.admin, "delete_records", "DeleteRecords")({tp: offset})
        v = r[tp]
        return v.get("low_watermark") if isinstance(v, dict) else v

    def delete_topic(self, t):
        self.admin.delete_topics([t])

    def transaction(self, t, txid, commit1, abort, commit2):
        if "transactional_id" not in self.k.KafkaProducer.DEFAULT_CONFIG:
            raise Unsupported("this release has no transactional producer")
        p = self.k.KafkaProducer(bootstrap_servers=self.b, transactional_id=txid)
        try:
            p.init_transactions()
            for msgs, commit in ((commit1, True), (abort, False), (commit2, True)):
                p.begin_transaction()
                for m in msgs:
                    p.send(t, key=m[0], value=m[1], headers=m[2])
                p.flush(TIMEOUT)
                (p.commit_transaction if commit else p.abort_transaction)()
        finally:
            p.close(timeout=5)

    def _metadata_with(self, bootstrap, **kw):
        if "api_version_auto_timeout_ms" in self.ad.KafkaAdminClient.DEFAULT_CONFIG:
            kw["api_version_auto_timeout_ms"] = 10000
        a = self.ad.KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, **kw)
        try:
            a.list_topics()
        finally:
            a.close()

    def _sasl_mechanisms(self):
        """The mechanisms this release implements: a registry from 2.1 on, a tuple before."""
        import importlib
        for module in ("kafka.net.sasl", "kafka.sasl"):
            try:
                return set(importlib.import_module(module).SASL_MECHANISMS)
            except (ImportError, AttributeError):
                pass
        return set(getattr(importlib.import_module("kafka.conn").BrokerConnection, "SASL_MECHANISMS", ("PLAIN",)))

    def _need_mechanism(self, mechanism):
        if mechanism not in self._sasl_mechanisms():
            raise Unsupported(f"kafka-python {self.k.__version__} has no SASL mechanism {mechanism} "
                              f"(it has {', '.join(sorted(self._sasl_mechanisms()))})")

    def sasl_metadata(self, bootstrap, user, password, mechanism="PLAIN", tls=False, ca=None):
        self._need_mechanism(mechanism)
        kw = dict(security_protocol="SASL_SSL" if tls else "SASL_PLAINTEXT", sasl_mechanism=mechanism,
                  sasl_plain_username=user, sasl_plain_password=password)
        if tls:
            kw.update(ssl_cafile=ca or None, ssl_check_hostname=False)
        self._metadata_with(bootstrap, **kw)

    def _token_provider_base(self):
        """The AbstractTokenProvider of this release (3.x insists on a subclass of its own)."""
        import importlib
        for module in ("kafka.net.sasl.oauth", "kafka.sasl.oauth", "kafka.oauth.abstract"):
            try:
                return importlib.import_module(module).AbstractTokenProvider
            except (ImportError, AttributeError):
                pass
        return object  # none: the connection only calls token() (and extensions(), if there)

    def oauth_metadata(self, bootstrap, principal):
        self._need_mechanism("OAUTHBEARER")

        class Token(self._token_provider_base()):
            def __init__(self):
                pass

            def token(self):
                return unsecured_jwt(principal)

            def extensions(self):
                return {}
        self._metadata_with(bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="OAUTHBEARER",
                            sasl_oauth_token_provider=Token())

    def tls_metadata(self, bootstrap, ca, cert=None, key=None):
        kw = dict(security_protocol="SSL", ssl_cafile=ca or None, ssl_check_hostname=False)
        if cert:
            kw.update(ssl_certfile=cert, ssl_keyfile=key)
        self._metadata_with(bootstrap, **kw)

    def close(self):
        for x in (self._meta, self._admin):
            if x:
                x.close()


class KafkaPythonMember:
    def __init__(self, client, group, topic):
        self.cl, self.topic = client, topic
        self.c = client.k.KafkaConsumer(topic, bootstrap_servers=client.b, group_id=group, enable_auto_commit=False,
                                        auto_offset_reset="earliest", session_timeout_ms=10000,
                                        heartbeat_interval_ms=1000)

    def poll_records(self, n, seconds):
        deadline = time.time() + seconds
        out = self.cl._poll(self.c, n, deadline)
        while n == 0 and time.time() < deadline:
            out += self.cl._poll(self.c, 1, deadline)
        assert len(out) >= n, f"group member read {len(out)} of {n} records in {seconds} s"
        return out

    def assignment(self):
        return {tp.partition for tp in self.c.assignment()}

    def commit(self, offsets):
        # kafka-python (3.x) answers committed() with an OffsetFetch still in flight for the
        # same partitions if there is one, such as the one poll() sent for a newly assigned
        # partition and stopped waiting for: an answer from before this commit. Asking for
        # the positions waits for that fetch to finish first.
        assigned = self.c.assignment()
        for p in offsets:
            tp = self.cl.k.TopicPartition(self.topic, p)
            if tp in assigned:
                self.c.position(tp)
        self.c.commit({self.cl.k.TopicPartition(self.topic, p): self.cl._oam(o) for p, o in offsets.items()})

    def committed(self, ps):
        return {p: self.c.committed(self.cl.k.TopicPartition(self.topic, p)) for p in ps}

    def close(self):
        self.c.close()


# ---------------------------------------------------------------------------------------
class AioKafka:
    """aiokafka is asyncio-only: every call runs to completion on one private event loop."""

    # Its members all run on this adapter's one event loop, which cannot be driven from
    # several threads; it coordinates in background tasks, so sequential polls suffice.
    threaded_members = False

    def __init__(self, bootstrap):
        import aiokafka
        from aiokafka import admin
        from aiokafka.admin import config_resource
        self.a, self.ad, self.b = aiokafka, admin, bootstrap
        self.cr = config_resource
        self.loop = asyncio.new_event_loop()
        self._admin = None

    def run(self, coro, seconds=TIMEOUT):
        try:
            return self.loop.run_until_complete(asyncio.wait_for(coro, seconds))
        except asyncio.TimeoutError:
            raise AssertionError(f"no answer within {seconds} s") from None

    @property
    def admin(self):
        if self._admin is None:
            async def make():  # aiokafka objects are made inside the loop they run on
                a = self.ad.AIOKafkaAdminClient(bootstrap_servers=self.b, request_timeout_ms=15000)
                await a.start()
                return a
            self._admin = self.run(make())
        return self._admin

    def version(self):
        return self.a.__version__

    def brokers(self):
        d = self.run(self.admin.describe_cluster())
        return [f"{b['host']}:{b['port']}" for b in d["brokers"]]

    def create_topic(self, t, n, configs=None):
        r = self.run(self.admin.create_topics([self.ad.NewTopic(t, n, 1, topic_configs=configs or {})]))
        for err in getattr(r, "topic_errors", []) or []:
            assert err[1] == 0, f"CreateTopics: error {err}"

    def partitions(self, t):
        d = self.run(self.admin.describe_topics([t]))
        return len(d[0]["partitions"])

    def topics(self):
        return set(self.run(self.admin.list_topics()))

    def produce(self, t, msgs, acks, compression=None, idempotent=False, partitions=None):
        async def go():
            p = self.a.AIOKafkaProducer(bootstrap_servers=self.b, acks=acks, compression_type=compression,
                                        enable_idempotence=idempotent, linger_ms=5)
            await p.start()
            try:
                futs = [await p.send(t, m[1], key=m[0], headers=m[2] or None,
                                     timestamp_ms=m[3] if len(m) > 3 else None,
                                     partition=partitions[i] if partitions else None) for i, m in enumerate(msgs)]
                await p.flush()
                for f in futs:
                    await f
            finally:
                await p.stop()
        self.run(go(), 60)

    async def _poll(self, c, n, deadline):
        out = []
        while len(out) < n and time.time() < deadline:
            for recs in (await c.getmany(timeout_ms=200)).values():
                out += [Rec(r.partition, r.offset, r.key, r.value, list(r.headers or []), r.timestamp) for r in recs]
        return out

    def consume(self, t, start, n, read_committed=False):
        async def go():
            c = self.a.AIOKafkaConsumer(bootstrap_servers=self.b, enable_auto_commit=False,
                                        isolation_level="read_committed" if read_committed else "read_uncommitted")
            await c.start()
            try:
                tps = {p: self.a.TopicPartition(t, p) for p in start}
                c.assign(list(tps.values()))
                for p, o in start.items():
                    c.seek(tps[p], o)
                return await self._poll(c, n, time.time() + TIMEOUT - 2)
            finally:
                await c.stop()
        return self.run(go(), TIMEOUT + 10)

    def _with_consumer(self, fn):
        async def go():
            c = self.a.AIOKafkaConsumer(bootstrap_servers=self.b, enable_auto_commit=False)
            await c.start()
            try:
                return await fn(c)
            finally:
                await c.stop()
        return self.run(go())

    def offset_for_time(self, t, p, ts):
        tp = self.a.TopicPartition(t, p)
        r = self._with_consumer(lambda c: c.offsets_for_times({tp: ts}))[tp]
        return -1 if r is None else r.offset

    def watermarks(self, t, p):
        tp = self.a.TopicPartition(t, p)

        async def both(c):
            return (await c.beginning_offsets([tp]))[tp], (await c.end_offsets([tp]))[tp]
        return self._with_consumer(both)

    def describe_configs(self, t):
        r = self.run(self.admin.describe_configs([self.cr.ConfigResource(self.cr.ConfigResourceType.TOPIC, t)]))
        resource = r[0].resources[0]
        assert resource[0] == 0, f"DescribeConfigs: error {resource[0]} {resource[1]}"
        return {e[0]: e[1] for e in resource[4]}

    def alter_configs(self, t, configs):
        r = self.run(self.admin.alter_configs([self.cr.ConfigResource(self.cr.ConfigResourceType.TOPIC, t,
                                                                         configs=configs)]))
        for resource in getattr(r, "resources", []) or []:
            assert resource[0] == 0, f"AlterConfigs: error {resource[0]} {resource[1]}"

    def group_consumer(self, group, topic):
        return AioMember(self, group, topic)

    def consumer_protocol_conf(self):
        import inspect
        if "group_protocol" not in inspect.signature(self.a.AIOKafkaConsumer).parameters:
            raise Unsupported(f"aiokafka {self.a.__version__} has only the classic group protocol: its "
                              "AIOKafkaConsumer has no group_protocol setting and never sends ConsumerGroupHeartbeat")
        return {"group_protocol": "consumer"}

    def list_groups(self):
        return {g[0] if isinstance(g, tuple) else g.group_id for g in self.run(self.admin.list_consumer_groups())}

    def describe_group(self, g):
        r = self.run(self.admin.describe_consumer_groups([g]))
        return _group_state(r[0].groups[0])

    def reset_group_offsets(self, g, t, offsets):
        async def go():
            c = self.a.AIOKafkaConsumer(bootstrap_servers=self.b, group_id=g, enable_auto_commit=False)
            await c.start()
            try:
                tps = {self.a.TopicPartition(t, p): o for p, o in offsets.items()}
                c.assign(list(tps))
                await c.commit(tps)
            finally:
                await c.stop()
        self.run(go())

    def delete_group(self, g):
        self.run(need(self.admin, "delete_consumer_groups", "DeleteGroups")([g]))

    def delete_records(self, t, p, offset):
        from aiokafka.admin.records_to_delete import RecordsToDelete
        tp = self.a.TopicPartition(t, p)
        r = self.run(self.admin.delete_records({tp: RecordsToDelete(offset)}))
        return r[tp]

    def delete_topic(self, t):
        self.run(self.admin.delete_topics([t]))

    def transaction(self, t, txid, commit1, abort, commit2):
        async def go():
            p = self.a.AIOKafkaProducer(bootstrap_servers=self.b, transactional_id=txid)
            await p.start()
            try:
                for msgs, commit in ((commit1, True), (abort, False), (commit2, True)):
                    await p.begin_transaction()
                    for m in msgs:
                        await p.send(t, m[1], key=m[0], headers=m[2])
                    await (p.commit_transaction() if commit else p.abort_transaction())
            finally:
                await p.stop()
        self.run(go(), 60)

    def _metadata_with(self, bootstrap, **kw):
        async def go():
            a = self.ad.AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, **kw)
            await a.start()
            try:
                await a.list_topics()
            finally:
                await a.close()
        self.run(go(), 20)

    def _ssl_context(self, ca, cert=None, key=None):
        from aiokafka.helpers import create_ssl_context
        ctx = create_ssl_context(cafile=ca or None)
        ctx.check_hostname = False
        if cert:
            ctx.load_cert_chain(cert, key)
        return ctx

    def _sasl_metadata_with(self, bootstrap, mechanism, **kw):
        try:
            self._metadata_with(bootstrap, sasl_mechanism=mechanism, **kw)
        except ValueError as e:  # the client's own check of its settings, before any connection
            if "sasl_mechanism" in str(e) and "supported" in str(e):
                raise Unsupported(f"aiokafka {self.a.__version__} has no SASL mechanism {mechanism}: {e}") from None
            raise

    def sasl_metadata(self, bootstrap, user, password, mechanism="PLAIN", tls=False, ca=None):
        kw = dict(security_protocol="SASL_SSL" if tls else "SASL_PLAINTEXT",
                  sasl_plain_username=user, sasl_plain_password=password)
        if tls:
            kw["ssl_context"] = self._ssl_context(ca)
        self._sasl_metadata_with(bootstrap, mechanism, **kw)

    def oauth_metadata(self, bootstrap, principal):
        try:
            from aiokafka.abc import AbstractTokenProvider
        except ImportError:
            raise Unsupported(f"aiokafka {self.a.__version__} has no aiokafka.abc.AbstractTokenProvider, "
                              "so no OAUTHBEARER") from None

        class Token(AbstractTokenProvider):
            async def token(self):
                return unsecured_jwt(principal)
        self._sasl_metadata_with(bootstrap, "OAUTHBEARER", security_protocol="SASL_PLAINTEXT",
                                 sasl_oauth_token_provider=Token())

    def tls_metadata(self, bootstrap, ca, cert=None, key=None):
        self._metadata_with(bootstrap, security_protocol="SSL", ssl_context=self._ssl_context(ca, cert, key))

    def close(self):
        if self._admin:
            self.run(self._admin.close())


class AioMember:
    def __init__(self, client, group, topic):
        self.cl, self.topic = client, topic
        async def make():
            c = client.a.AIOKafkaConsumer(topic, bootstrap_servers=client.b, group_id=group,
                                          enable_auto_commit=False, auto_offset_reset="earliest",
                                          session_timeout_ms=10000, heartbeat_interval_ms=1000)
            await c.start()
            return c
        self.c = client.run(make())

    def poll_records(self, n, seconds):
        async def go():
            deadline = time.time() + seconds
            out = await self.cl._poll(self.c, n, deadline)
            while n == 0 and time.time() < deadline:
                out += await self.cl._poll(self.c, 1, deadline)
            return out
        out = self.cl.run(go(), seconds + 10)
        assert len(out) >= n, f"group member read {len(out)} of {n} records in {seconds} s"
        return out

    def assignment(self):
        return {tp.partition for tp in self.c.assignment()}

    def commit(self, offsets):
        self.cl.run(self.c.commit({self.cl.a.TopicPartition(self.topic, p): o for p, o in offsets.items()}))

    def committed(self, ps):
        return {p: self.cl.run(self.c.committed(self.cl.a.TopicPartition(self.topic, p))) for p in ps}

    def close(self):
        self.cl.run(self.c.stop())


ADAPTERS = {"confluent-kafka": ConfluentKafka, "kafka-python": KafkaPython, "aiokafka": AioKafka}
