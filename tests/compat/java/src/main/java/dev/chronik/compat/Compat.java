package dev.chronik.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Apache Kafka's Java client against the real chronik binary: producer with default
 * settings (idempotent, acks=all), consumer with assign() + seekToBeginning(), every
 * compression codec, and the AdminClient. One broker for the whole run; each scenario
 * uses its own topic. Prints PASS/FAIL per scenario and "N passed, N failed" at the end.
 *
 * usage: Compat <path to chronik> [scenario ...]
 */
public final class Compat {
  static final int MESSAGES = 10_000;
  static final int PARTITIONS = 3;

  final Broker broker;

  Compat(Broker broker) {
    this.broker = broker;
  }

  interface Scenario {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: Compat <path to chronik> [scenario ...]");
      System.exit(2);
    }
    String version = clientVersion();
    Set<String> only = new HashSet<>(List.of(args).subList(1, args.length));
    int passed = 0, failed = 0;
    try (Broker broker = new Broker(args[0])) {
      Compat c = new Compat(broker);
      Map<String, Scenario> scenarios = new LinkedHashMap<>();
      // The operations of the compatibility matrix (tests/compat/ops.py) each scenario shows.
      Map<String, List<String>> ops = new HashMap<>();
      java.util.function.BiConsumer<String, Scenario> add = scenarios::put;
      add.accept("default_producer_assign_consumer", c::defaultProducerAssignConsumer);
      ops.put("default_producer_assign_consumer", List.of("create_topic", "produce_keys_headers", "produce_acks_all",
          "produce_idempotent", "consume_beginning"));
      for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
        add.accept("compression_" + codec, () -> c.compression(codec));
        ops.put("compression_" + codec, List.of("produce_" + codec));
      }
      add.accept("admin_describe_log_dirs", c::adminDescribeLogDirs);
      ops.put("admin_describe_log_dirs", List.of("describe_log_dirs"));
      add.accept("admin_topics_and_configs", c::adminTopicsAndConfigs);
      ops.put("admin_topics_and_configs", List.of("create_topic_configs", "describe_configs", "alter_configs"));
      add.accept("admin_list_offsets", c::adminListOffsets);
      ops.put("admin_list_offsets", List.of("list_offsets"));
      add.accept("admin_delete_records", c::adminDeleteRecords);
      ops.put("admin_delete_records", List.of("delete_records"));
      add.accept("admin_delete_topics", c::adminDeleteTopics);
      ops.put("admin_delete_topics", List.of("delete_topic"));
      ClientScenarios more = new ClientScenarios(c);
      for (Map.Entry<String, Scenario> e : more.scenarios().entrySet()) {
        add.accept(e.getKey(), e.getValue());
        ops.put(e.getKey(), List.of(e.getKey()));
      }
      GroupScenarios groups = new GroupScenarios(c);
      for (Map.Entry<String, Scenario> e : groups.scenarios().entrySet()) {
        add.accept(e.getKey(), e.getValue());
        ops.put(e.getKey(), List.of(e.getKey()));
      }
      System.out.printf("COMPAT-VERSION {\"version\": \"%s\"}%n", version);
      for (Map.Entry<String, Scenario> s : scenarios.entrySet()) {
        if (!only.isEmpty() && !only.contains(s.getKey())) continue;
        long start = System.nanoTime();
        try {
          s.getValue().run();
          passed++;
          System.out.printf("PASS %s (kafka-clients %s, %.1fs)%n", s.getKey(), version, secs(start));
          report(ops.get(s.getKey()), "pass", "");
        } catch (Throwable e) {
          failed++;
          System.out.printf("FAIL %s (kafka-clients %s, %.1fs): %s%n", s.getKey(), version, secs(start), e);
          e.printStackTrace(System.out);
          report(ops.get(s.getKey()), "fail", reason(e));
        }
        System.out.flush();
      }
      int code = broker.stop();
      if (code != 0) {
        failed++;
        System.out.println("FAIL broker_clean_exit: chronik exited " + code + " on SIGTERM\n" + broker.logTail());
      }
      if (failed > 0) System.out.println("chronik log (tail):\n" + broker.logTail());
    }
    System.out.printf("%d passed, %d failed%n", passed, failed);
    System.exit(failed == 0 ? 0 : 1);
  }

  /** kafka-clients' own version (its AppInfoParser moved between 3.x and 4.x). */
  static String clientVersion() throws java.io.IOException {
    Properties p = new Properties();
    try (java.io.InputStream in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      if (in != null) p.load(in);
    }
    return p.getProperty("version", "unknown");
  }

  /** One COMPAT-RESULT line per operation, read by tests/compat/run. */
  static void report(List<String> ops, String status, String reason) {
    for (String op : ops) {
      System.out.printf("COMPAT-RESULT {\"op\": \"%s\", \"status\": \"%s\", \"reason\": \"%s\"}%n", op, status,
          reason.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ").replace("\r", " ").replace("\t", " "));
    }
  }

  /** The cause under the future's wrappers, class and message, and what it wraps in turn: what a
   * person needs to see first. */
  static String reason(Throwable e) {
    Throwable t = e;
    while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException
        || t.getClass().getName().equals("org.apache.kafka.common.KafkaException")) && t.getCause() != null) {
      t = t.getCause();
    }
    String s = t.getClass().getSimpleName() + ": " + t.getMessage();
    // A wrapper's own message says little ("SSL handshake failed"): add what it wraps.
    Throwable cause = t.getCause();
    if (cause != null && cause != t) s += " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    return s.length() > 300 ? s.substring(0, 300) : s;
  }

  static double secs(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static void checkEq(Object expected, Object actual, String what) {
    if (expected == null ? actual != null : !expected.equals(actual)) {
      throw new AssertionError(what + ": expected " + expected + ", got " + actual);
    }
  }

  // ---- clients

  Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    return Admin.create(p);
  }

  /** Only what a producer cannot do without: everything else stays at its default. */
  KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Map<String, Object> p = new HashMap<>(extra);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap);
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  KafkaConsumer<String, String> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap);
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }

  void createTopic(Admin admin, String topic, Map<String, String> configs) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(configs))).all().get();
  }

  static String key(int i) {
    return "key-" + (i % 101);
  }

  static String value(int i) {
    return "value-" + i + "-" + "x".repeat(i % 50);
  }

  /**
   * Produces MESSAGES keyed records with headers; returns, per partition, the message
   * indexes in offset order as the broker acknowledged them (offset -> index).
   */
  Map<Integer, Map<Long, Integer>> produce(String topic, Map<String, Object> config) throws Exception {
    List<Future<RecordMetadata>> acks = new ArrayList<>(MESSAGES);
    try (KafkaProducer<String, String> p = producer(config)) {
      for (int i = 0; i < MESSAGES; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, key(i), value(i));
        r.headers().add("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        r.headers().add("origin", "java".getBytes(StandardCharsets.UTF_8));
        acks.add(p.send(r));
      }
      p.flush();
    }
    Map<Integer, Map<Long, Integer>> byPartition = new HashMap<>();
    Map<String, Integer> partitionOfKey = new HashMap<>();
    for (int i = 0; i < MESSAGES; i++) {
      RecordMetadata m = acks.get(i).get();
      Integer prev = partitionOfKey.putIfAbsent(key(i), m.partition());
      check(prev == null || prev == m.partition(), "key " + key(i) + " went to two partitions");
      Integer dup = byPartition.computeIfAbsent(m.partition(), x -> new HashMap<>()).put(m.offset(), i);
      check(dup == null, "offset " + m.offset() + " of partition " + m.partition() + " acknowledged twice");
    }
    return byPartition;
  }

  /** Reads every partition from the beginning with assign() until `expected` records came. */
  List<ConsumerRecord<String, String>> consumeAll(String topic, int expected) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer()) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < PARTITIONS; i++) tps.add(new TopicPartition(topic, i));
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) out.add(r);
      }
      // Anything beyond `expected` would be a duplicate: give it a moment to show up.
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) out.add(r);
    }
    return out;
  }

  /** Every produced message exactly once, at the offset it was acknowledged at, in order. */
  static void verify(Map<Integer, Map<Long, Integer>> produced, List<ConsumerRecord<String, String>> consumed) {
    Map<Integer, Long> lastOffset = new HashMap<>();
    Set<Integer> seen = new HashSet<>();
    for (ConsumerRecord<String, String> r : consumed) {
      Long last = lastOffset.put(r.partition(), r.offset());
      check(last == null || r.offset() > last,
          "partition " + r.partition() + ": offset " + r.offset() + " after " + last);
      Integer i = produced.getOrDefault(r.partition(), Map.of()).get(r.offset());
      check(i != null, "partition " + r.partition() + " offset " + r.offset() + " was never acknowledged");
      check(seen.add(i), "message " + i + " consumed twice");
      checkEq(key(i), r.key(), "key at " + r.partition() + "/" + r.offset());
      checkEq(value(i), r.value(), "value at " + r.partition() + "/" + r.offset());
      Header index = r.headers().lastHeader("index");
      check(index != null, "no index header at " + r.partition() + "/" + r.offset());
      checkEq(Integer.toString(i), new String(index.value(), StandardCharsets.UTF_8), "index header");
      Header origin = r.headers().lastHeader("origin");
      check(origin != null && "java".equals(new String(origin.value(), StandardCharsets.UTF_8)), "origin header");
      check(r.timestamp() > 0, "timestamp " + r.timestamp());
    }
    checkEq(MESSAGES, seen.size(), "distinct messages consumed (of " + consumed.size() + " records)");
    checkEq(MESSAGES, consumed.size(), "records consumed");
  }

  // ---- scenarios

  void defaultProducerAssignConsumer() throws Exception {
    String topic = "java-default";
    try (Admin admin = admin()) {
      createTopic(admin, topic, Map.of());
    }
    Map<Integer, Map<Long, Integer>> produced = produce(topic, Map.of());
    checkEq(PARTITIONS, produced.size(), "partitions that got messages");
    for (Map.Entry<Integer, Map<Long, Integer>> e : produced.entrySet()) {
      // Offsets are dense from 0 and, per key, in send order (idempotence keeps order).
      Map<Long, Integer> m = e.getValue();
      for (long o = 0; o < m.size(); o++) check(m.containsKey(o), "partition " + e.getKey() + " misses offset " + o);
      Map<String, Integer> lastOfKey = new HashMap<>();
      for (long o = 0; o < m.size(); o++) {
        int i = m.get(o);
        Integer prev = lastOfKey.put(key(i), i);
        check(prev == null || prev < i, "key " + key(i) + ": message " + i + " stored after " + prev);
      }
    }
    verify(produced, consumeAll(topic, MESSAGES));
  }

  void compression(String codec) throws Exception {
    String topic = "java-" + codec;
    try (Admin admin = admin()) {
      createTopic(admin, topic, Map.of());
    }
    Map<Integer, Map<Long, Integer>> produced =
        produce(topic, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 20));
    verify(produced, consumeAll(topic, MESSAGES));
  }

  /**
   * DescribeLogDirs sizes: the batches are stored as the client compressed them, so a
   * topic of very compressible values produced with any codec takes well under half the
   * bytes of the same messages uncompressed. Runs after the compression scenarios.
   */
  void adminDescribeLogDirs() throws Exception {
    try (Admin admin = admin()) {
      long plain = topicBytes(admin, "java-plain");
      check(plain > 300_000, "uncompressed topic takes " + plain + " bytes");
      for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
        long compressed = topicBytes(admin, "java-" + codec);
        check(compressed > 0 && compressed * 2 < plain,
            codec + " topic takes " + compressed + " bytes, the uncompressed one " + plain);
      }
    }
  }

  /** Bytes on disk of a topic's partitions, by DescribeLogDirs; produces it first if missing. */
  long topicBytes(Admin admin, String topic) throws Exception {
    if (!admin.listTopics().names().get().contains(topic)) {
      createTopic(admin, topic, Map.of());
      produce(topic, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none", ProducerConfig.LINGER_MS_CONFIG, 20));
    }
    int node = admin.describeCluster().nodes().get().iterator().next().id();
    long total = 0;
    for (var dir : admin.describeLogDirs(List.of(node)).allDescriptions().get().get(node).values()) {
      for (var e : dir.replicaInfos().entrySet()) {
        if (e.getKey().topic().equals(topic)) total += e.getValue().size();
      }
    }
    return total;
  }

  static Map<String, ConfigEntry> topicConfig(Admin admin, String topic) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config c = admin.describeConfigs(List.of(r), new DescribeConfigsOptions().includeSynonyms(true))
        .all().get().get(r);
    Map<String, ConfigEntry> out = new HashMap<>();
    for (ConfigEntry e : c.entries()) out.put(e.name(), e);
    return out;
  }

  void adminTopicsAndConfigs() throws Exception {
    String topic = "java-admin";
    try (Admin admin = admin()) {
      createTopic(admin, topic, Map.of("retention.ms", "86400000"));
      check(admin.listTopics().names().get().contains(topic), "listTopics lacks " + topic);

      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      checkEq(topic, d.name(), "described name");
      check(d.topicId() != null && !d.topicId().equals(org.apache.kafka.common.Uuid.ZERO_UUID), "topic id " + d.topicId());
      checkEq(PARTITIONS, d.partitions().size(), "partitions");
      int node = admin.describeCluster().controller().get() == null ? -1 : admin.describeCluster().nodes().get().iterator().next().id();
      for (TopicPartitionInfo p : d.partitions()) {
        check(p.leader() != null, "partition " + p.partition() + " has no leader");
        checkEq(node, p.leader().id(), "leader of " + p.partition());
        checkEq(1, p.replicas().size(), "replicas of " + p.partition());
        checkEq(1, p.isr().size(), "isr of " + p.partition());
      }

      Map<String, ConfigEntry> cfg = topicConfig(admin, topic);
      ConfigEntry retention = cfg.get("retention.ms");
      check(retention != null, "describeConfigs lacks retention.ms: " + cfg.keySet());
      checkEq("86400000", retention.value(), "retention.ms as created");
      checkEq(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source(), "retention.ms source");
      for (String name : List.of("cleanup.policy", "max.message.bytes", "retention.bytes", "segment.bytes",
          "message.timestamp.type", "min.insync.replicas", "compression.type")) {
        ConfigEntry e = cfg.get(name);
        check(e != null, "describeConfigs lacks " + name);
        check(e.value() != null, name + " has no value");
        check(e.source() != ConfigEntry.ConfigSource.UNKNOWN, name + " source UNKNOWN");
      }
      checkEq("delete", cfg.get("cleanup.policy").value(), "cleanup.policy default");

      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Collection<AlterConfigOp> ops = List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET));
      admin.incrementalAlterConfigs(Map.of(r, ops)).all().get();
      cfg = topicConfig(admin, topic);
      checkEq("3600000", cfg.get("retention.ms").value(), "retention.ms after SET");
      checkEq("2000000", cfg.get("max.message.bytes").value(), "max.message.bytes after SET");
      checkEq(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, cfg.get("max.message.bytes").source(), "max.message.bytes source");

      admin.incrementalAlterConfigs(Map.of(r, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all().get();
      cfg = topicConfig(admin, topic);
      checkEq("604800000", cfg.get("retention.ms").value(), "retention.ms after DELETE (the default)");
      check(cfg.get("retention.ms").source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG,
          "retention.ms source after DELETE: " + cfg.get("retention.ms").source());
      checkEq("2000000", cfg.get("max.message.bytes").value(), "max.message.bytes untouched by the DELETE");

      // An invalid value is refused, and the topic config is unchanged.
      try {
        admin.incrementalAlterConfigs(Map.of(r, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "not-a-number"), AlterConfigOp.OpType.SET)))).all().get();
        throw new AssertionError("retention.ms=not-a-number was accepted");
      } catch (ExecutionException expected) {
        check(expected.getCause() instanceof org.apache.kafka.common.errors.InvalidConfigurationException
            || expected.getCause() instanceof org.apache.kafka.common.errors.InvalidRequestException,
            "invalid value refused with " + expected.getCause());
      }
    }
  }

  void adminListOffsets() throws Exception {
    String topic = "java-offsets";
    long base = System.currentTimeMillis() - 3_600_000L;
    try (Admin admin = admin()) {
      createTopic(admin, topic, Map.of());
      // Partition 0: 100 records with explicit timestamps base, base+10, ..., in 10 sends.
      try (KafkaProducer<String, String> p = producer(Map.of())) {
        for (int i = 0; i < 100; i++) {
          p.send(new ProducerRecord<>(topic, 0, base + 10L * i, "k", "v" + i));
          if (i % 10 == 9) p.flush();
        }
        p.send(new ProducerRecord<>(topic, 1, base, "k", "only")).get();
      }
      TopicPartition p0 = new TopicPartition(topic, 0), p1 = new TopicPartition(topic, 1), p2 = new TopicPartition(topic, 2);
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> earliest =
          admin.listOffsets(Map.of(p0, OffsetSpec.earliest(), p1, OffsetSpec.earliest(), p2, OffsetSpec.earliest())).all().get();
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> latest =
          admin.listOffsets(Map.of(p0, OffsetSpec.latest(), p1, OffsetSpec.latest(), p2, OffsetSpec.latest())).all().get();
      checkEq(0L, earliest.get(p0).offset(), "earliest p0");
      checkEq(0L, earliest.get(p2).offset(), "earliest p2 (empty)");
      checkEq(100L, latest.get(p0).offset(), "latest p0");
      checkEq(1L, latest.get(p1).offset(), "latest p1");
      checkEq(0L, latest.get(p2).offset(), "latest p2 (empty)");

      // By timestamp: the first offset whose timestamp is >= the one asked for.
      long[][] cases = {{base, 0}, {base + 10 * 37, 37}, {base + 10 * 37 + 1, 38}, {base + 10 * 99, 99}, {base - 5, 0}};
      for (long[] c : cases) {
        ListOffsetsResult.ListOffsetsResultInfo info = admin.listOffsets(Map.of(p0, OffsetSpec.forTimestamp(c[0]))).all().get().get(p0);
        checkEq(c[1], info.offset(), "offset for timestamp base+" + (c[0] - base));
        checkEq(base + 10 * c[1], info.timestamp(), "timestamp returned for base+" + (c[0] - base));
      }
      ListOffsetsResult.ListOffsetsResultInfo none = admin.listOffsets(Map.of(p0, OffsetSpec.forTimestamp(base + 10_000))).all().get().get(p0);
      checkEq(-1L, none.offset(), "offset for a timestamp after every record");

      ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(p0, OffsetSpec.maxTimestamp())).all().get().get(p0);
      checkEq(99L, max.offset(), "max timestamp offset");
      checkEq(base + 990, max.timestamp(), "max timestamp");
    }
  }

  void adminDeleteRecords() throws Exception {
    String topic = "java-delete-records";
    try (Admin admin = admin()) {
      createTopic(admin, topic, Map.of());
      Map<Integer, Map<Long, Integer>> produced = produce(topic, Map.of());
      TopicPartition p0 = new TopicPartition(topic, 0);
      long end0 = produced.get(0).size();
      long cut = end0 / 2;
      long low = admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(cut))).lowWatermarks().get(p0).get().lowWatermark();
      checkEq(cut, low, "low watermark after deleteRecords");
      checkEq(cut, admin.listOffsets(Map.of(p0, OffsetSpec.earliest())).all().get().get(p0).offset(), "earliest after deleteRecords");
      checkEq(end0, admin.listOffsets(Map.of(p0, OffsetSpec.latest())).all().get().get(p0).offset(), "latest after deleteRecords");

      // A consumer from the beginning now starts at `cut` (inside a batch: earlier records
      // of that batch may come back from the fetch; the client must skip them).
      try (KafkaConsumer<String, String> c = consumer()) {
        c.assign(List.of(p0));
        c.seekToBeginning(List.of(p0));
        checkEq(cut, c.position(p0), "consumer position after seekToBeginning");
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (got.size() < end0 - cut && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) got.add(r);
        }
        checkEq(end0 - cut, (long) got.size(), "records left after deleteRecords");
        checkEq(cut, got.get(0).offset(), "first offset consumed");
      }

      // -1 = up to the high watermark.
      TopicPartition p1 = new TopicPartition(topic, 1);
      long end1 = produced.get(1).size();
      long low1 = admin.deleteRecords(Map.of(p1, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(p1).get().lowWatermark();
      checkEq(end1, low1, "low watermark after deleting everything");

      // Beyond the high watermark: OFFSET_OUT_OF_RANGE.
      TopicPartition p2 = new TopicPartition(topic, 2);
      try {
        admin.deleteRecords(Map.of(p2, RecordsToDelete.beforeOffset(produced.get(2).size() + 10))).all().get();
        throw new AssertionError("deleteRecords beyond the high watermark was accepted");
      } catch (ExecutionException expected) {
        check(expected.getCause() instanceof org.apache.kafka.common.errors.OffsetOutOfRangeException,
            "deleteRecords beyond the high watermark failed with " + expected.getCause());
      }
    }
  }

  void adminDeleteTopics() throws Exception {
    String topic = "java-delete-me";
    try (Admin admin = admin()) {
      createTopic(admin, topic, Map.of());
      produce(topic, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
      admin.deleteTopics(List.of(topic)).all().get();
      check(!admin.listTopics().names().get().contains(topic), "listTopics still has " + topic);
      try {
        admin.describeTopics(List.of(topic)).allTopicNames().get();
        throw new AssertionError("describeTopics of a deleted topic succeeded");
      } catch (ExecutionException expected) {
        check(expected.getCause() instanceof UnknownTopicOrPartitionException,
            "describe of a deleted topic failed with " + expected.getCause());
      }
      try {
        admin.deleteTopics(List.of(topic)).all().get();
        throw new AssertionError("deleting a deleted topic succeeded");
      } catch (ExecutionException expected) {
        check(expected.getCause() instanceof UnknownTopicOrPartitionException,
            "second delete failed with " + expected.getCause());
      }
      // Same name again: a new, empty topic.
      createTopic(admin, topic, Map.of());
      TopicPartition p0 = new TopicPartition(topic, 0);
      checkEq(0L, admin.listOffsets(Map.of(p0, OffsetSpec.latest())).all().get().get(p0).offset(), "recreated topic is empty");
      admin.deleteTopics(List.of(topic)).all().get();
    }
  }
}
