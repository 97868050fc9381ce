package dev.chronik.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Metadata, acks=0/1, consuming from an offset and by timestamp, transactions, SASL
 * (PLAIN, SCRAM-SHA-256/512, unsecured OAUTHBEARER), TLS, mutual TLS and SASL_SSL. Each
 * scenario's name is the operation it shows (tests/compat/ops.py); topic names carry a
 * per-run suffix so that a shared external broker works too.
 */
final class ClientScenarios {
  static final String RUN = UUID.randomUUID().toString().substring(0, 6);
  private final Compat c;

  ClientScenarios(Compat c) {
    this.c = c;
  }

  Map<String, Compat.Scenario> scenarios() {
    Map<String, Compat.Scenario> s = new LinkedHashMap<>();
    s.put("metadata", this::metadata);
    s.put("produce_acks_0", () -> acks("0"));
    s.put("produce_acks_1", () -> acks("1"));
    s.put("consume_offset", this::consumeOffset);
    s.put("consume_timestamp", this::consumeTimestamp);
    s.put("transactions", this::transactions);
    s.put("sasl_plain", this::saslPlain);
    s.put("sasl_scram_sha_256", () -> saslScram("SCRAM-SHA-256"));
    s.put("sasl_scram_sha_512", () -> saslScram("SCRAM-SHA-512"));
    s.put("sasl_oauthbearer", this::saslOauthbearer);
    s.put("tls", this::tls);
    s.put("mtls", this::mtls);
    s.put("sasl_ssl", this::saslSsl);
    return s;
  }

  String topic(String what) throws Exception {
    String t = "java-" + what + "-" + RUN;
    try (Admin admin = c.admin()) {
      c.createTopic(admin, t, Map.of());
    }
    return t;
  }

  void metadata() throws Exception {
    try (Admin admin = c.admin()) {
      var nodes = admin.describeCluster().nodes().get(20, TimeUnit.SECONDS);
      Compat.check(!nodes.isEmpty(), "describeCluster lists no broker");
      Node n = nodes.iterator().next();
      Compat.check(n.port() > 0 && !n.host().isEmpty(), "broker " + n);
      Compat.check(admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS) != null, "no cluster id");
    }
  }

  /** Reads partition 0 from `offset` until `n` records came (or 30 s). */
  List<ConsumerRecord<String, String>> read(String topic, long offset, int n, Map<String, Object> extra) {
    Map<String, Object> p = new java.util.HashMap<>(extra);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.broker.bootstrap);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      if (offset >= 0) consumer.seek(tp, offset);
      else consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) out.add(r);
      }
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) out.add(r);
    }
    return out;
  }

  void acks(String acks) throws Exception {
    String t = topic("acks" + acks);
    try (KafkaProducer<String, String> p = c.producer(Map.of(ProducerConfig.ACKS_CONFIG, acks,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
      for (int i = 0; i < 200; i++) p.send(new ProducerRecord<>(t, 0, "k", "v" + i));
      p.flush();
    }
    List<ConsumerRecord<String, String>> got = read(t, -1, 200, Map.of());
    Compat.checkEq(200, got.size(), "records read back after acks=" + acks);
    for (int i = 0; i < 200; i++) Compat.checkEq("v" + i, got.get(i).value(), "record " + i);
  }

  void consumeOffset() throws Exception {
    String t = topic("offset");
    try (KafkaProducer<String, String> p = c.producer(Map.of())) {
      for (int i = 0; i < 100; i++) p.send(new ProducerRecord<>(t, 0, "k", "v" + i));
    }
    List<ConsumerRecord<String, String>> got = read(t, 40, 60, Map.of());
    Compat.checkEq(60, got.size(), "records from offset 40");
    Compat.checkEq(40L, got.get(0).offset(), "first offset");
    Compat.checkEq("v40", got.get(0).value(), "first value");
  }

  void consumeTimestamp() throws Exception {
    String t = topic("ts");
    long base = System.currentTimeMillis() - 3_600_000L;
    try (KafkaProducer<String, String> p = c.producer(Map.of())) {
      for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>(t, 0, base + 1000L * i, "k", "v" + i));
    }
    Map<String, Object> conf = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.broker.bootstrap);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(conf, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(t, 0);
      Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(Map.of(tp, base + 20_500L), Duration.ofSeconds(20));
      Compat.check(at.get(tp) != null, "offsetsForTimes found nothing");
      Compat.checkEq(21L, at.get(tp).offset(), "offset for base+20.5 s");
      List<ConsumerRecord<String, String>> got = read(t, at.get(tp).offset(), 29, Map.of());
      Compat.checkEq(29, got.size(), "records from that offset");
      Compat.checkEq("v21", got.get(0).value(), "first value");
    }
  }

  void transactions() throws Exception {
    String t = topic("txn");
    Map<String, Object> conf = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-txn-" + RUN,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    String id = "java-txn-" + RUN;
    try (KafkaProducer<String, String> p = c.producer(conf); Admin admin = c.admin()) {
      p.initTransactions();
      int initialEpoch = producerEpoch(admin, id);
      for (int round = 0; round < 3; round++) {
        p.beginTransaction();
        for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(t, 0, "k", "r" + round + "-" + i));
        if (round == 1) p.abortTransaction();
        else p.commitTransaction();
      }
      // KIP-890: a 4.x client takes transaction protocol v2, which bumps the producer epoch at
      // every commit or abort, only when the broker finalizes transaction.version 2. Below
      // that (Chronik today, any 3.x client) the epoch stays the one InitProducerId gave.
      boolean v2 = transactionVersion(admin) >= 2 && Integer.parseInt(Compat.clientVersion().split("\\.")[0]) >= 4;
      Compat.checkEq(initialEpoch + (v2 ? 3 : 0), producerEpoch(admin, id),
          "producer epoch after three transactions (transaction protocol v" + (v2 ? 2 : 1) + ")");
    }
    List<ConsumerRecord<String, String>> got = read(t, -1, 20,
        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
    Compat.checkEq(20, got.size(), "committed records read with read_committed");
    for (ConsumerRecord<String, String> r : got) Compat.check(!r.value().startsWith("r1-"), "aborted record " + r.value() + " read");
  }

  static int producerEpoch(Admin admin, String transactionalId) throws Exception {
    return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
        .get(20, TimeUnit.SECONDS).producerEpoch();
  }

  static short transactionVersion(Admin admin) throws Exception {
    FinalizedVersionRange v = admin.describeFeatures().featureMetadata().get(20, TimeUnit.SECONDS)
        .finalizedFeatures().get("transaction.version");
    return v == null ? 0 : v.maxVersionLevel();
  }

  void secured(String bootstrap, Map<String, Object> security) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.putAll(security);
    try (Admin admin = Admin.create(p)) {
      Compat.check(!admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).isEmpty(), "no broker listed");
    }
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  static final String SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
      + "username=\"compat\" password=\"compat-secret\";";

  void saslPlain() throws Exception {
    secured(env("CHRONIK_SASL_BOOTSTRAP", c.broker.bootstrap), Map.of(
        CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"compat\" password=\"compat-secret\";"));
  }

  void saslScram(String mechanism) throws Exception {
    secured(env("CHRONIK_SASL_BOOTSTRAP", c.broker.bootstrap), Map.of(
        CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
        "sasl.mechanism", mechanism,
        "sasl.jaas.config", SCRAM_JAAS));
  }

  /** An unsecured JWT (alg none) for sub=compat: without sasl.login.callback.handler.class
   * the client's OAuthBearerUnsecuredLoginCallbackHandler makes it from the JAAS options. */
  void saslOauthbearer() throws Exception {
    secured(env("CHRONIK_SASL_BOOTSTRAP", c.broker.bootstrap), Map.of(
        CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
        "sasl.mechanism", "OAUTHBEARER",
        "sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
            + "unsecuredLoginStringClaim_sub=\"compat\";"));
  }

  /** SSL settings that trust CHRONIK_TLS_CA (the broker's certificate is for 127.0.0.1, so
   * host name checks would pass too; they are off for a broker given by address). */
  static Map<String, Object> sslTrust(String protocol) {
    Map<String, Object> conf = new java.util.HashMap<>(Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol,
        "ssl.endpoint.identification.algorithm", ""));
    String ca = env("CHRONIK_TLS_CA", "");
    if (!ca.isEmpty()) {
      conf.put("ssl.truststore.type", "PEM");
      conf.put("ssl.truststore.location", ca);
    }
    return conf;
  }

  void tls() throws Exception {
    secured(env("CHRONIK_TLS_BOOTSTRAP", c.broker.bootstrap), sslTrust("SSL"));
  }

  /** The client certificate from a PEM key store: CHRONIK_TLS_CLIENT_KEYSTORE holds the
   * unencrypted PKCS#8 key and the certificate. */
  void mtls() throws Exception {
    String keystore = env("CHRONIK_TLS_CLIENT_KEYSTORE", "");
    Compat.check(!keystore.isEmpty(), "CHRONIK_TLS_CLIENT_KEYSTORE is not set (no client certificate)");
    Map<String, Object> conf = sslTrust("SSL");
    conf.put("ssl.keystore.type", "PEM");
    conf.put("ssl.keystore.location", keystore);
    secured(env("CHRONIK_MTLS_BOOTSTRAP", c.broker.bootstrap), conf);
  }

  void saslSsl() throws Exception {
    Map<String, Object> conf = sslTrust("SASL_SSL");
    conf.put("sasl.mechanism", "SCRAM-SHA-512");
    conf.put("sasl.jaas.config", SCRAM_JAAS);
    secured(env("CHRONIK_SASL_SSL_BOOTSTRAP", c.broker.bootstrap), conf);
  }

}
