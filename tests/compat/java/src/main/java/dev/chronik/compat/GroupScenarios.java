package dev.chronik.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Consumer groups (classic protocol): join, rebalance, commit, resume, describe, list,
 * reset offsets, delete; one group on one 3-partition topic of 300 records, the scenarios
 * in this order. Each waits a bounded time, shorter once joining has failed. Then a KIP-848
 * group (group.protocol=consumer) of two members on a topic of its own.
 */
final class GroupScenarios {
  private final Compat c;
  private final String topic = "java-group-" + ClientScenarios.RUN;
  private final String group = "java-group-" + ClientScenarios.RUN;
  private final List<KafkaConsumer<String, String>> members = new ArrayList<>();
  private int waitSeconds = 25;

  GroupScenarios(Compat c) {
    this.c = c;
  }

  Map<String, Compat.Scenario> scenarios() {
    Map<String, Compat.Scenario> s = new LinkedHashMap<>();
    s.put("group_join", this::join);
    s.put("group_rebalance", this::rebalance);
    s.put("group_commit", this::commit);
    s.put("group_resume", this::resume);
    s.put("group_describe", this::describe);
    s.put("group_list", this::list);
    s.put("group_reset_offsets", this::resetOffsets);
    s.put("group_delete", this::delete);
    s.put("group_rebalance_exactly_once", () -> exactlyOnce("classic"));
    s.put("group_consumer_protocol", () -> {
      consumerProtocol();
      // kafka-clients before 4.0 reset a partition that is assigned while the committed
      // offsets of the partitions assigned just before it are being fetched, to
      // auto.offset.reset (KAFKA-17674, fixed in 4.0): 3.9.1 re-reads records whenever a
      // released partition reaches its new owner at that moment, which a coordinator that
      // hands partitions on as soon as they are released (Kafka's, ours) allows.
      if (Integer.parseInt(Compat.clientVersion().split("\\.")[0]) >= 4) {
        exactlyOnce("consumer");
        // A regular-expression subscription: kafka-clients 4.x sends a SubscriptionPattern
        // to the broker (ConsumerGroupHeartbeat v1's SubscribedTopicRegex, RE2/J syntax),
        // and matches a java.util.regex.Pattern itself, sending topic names.
        consumerRegex(true);
        consumerRegex(false);
      }
    });
    return s;
  }

  KafkaConsumer<String, String> member() {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.broker.bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    KafkaConsumer<String, String> m = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    m.subscribe(List.of(topic));
    members.add(m);
    return m;
  }

  void closeAll() {
    for (KafkaConsumer<String, String> m : members) m.close(Duration.ofSeconds(5));
    members.clear();
  }

  List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> m, int n) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
    while (out.size() < n && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : m.poll(Duration.ofMillis(300))) out.add(r);
    }
    return out;
  }

  static Set<Integer> partitions(KafkaConsumer<String, String> m) {
    Set<Integer> s = new HashSet<>();
    for (TopicPartition tp : m.assignment()) s.add(tp.partition());
    return s;
  }

  void join() throws Exception {
    try (Admin admin = c.admin()) {
      c.createTopic(admin, topic, Map.of());
    }
    try (KafkaProducer<String, String> p = c.producer(Map.of())) {
      for (int i = 0; i < 300; i++) p.send(new ProducerRecord<>(topic, i % 3, "k" + i, "v" + i));
    }
    int wanted = waitSeconds;
    waitSeconds = 8;
    KafkaConsumer<String, String> m = member();
    waitSeconds = wanted;
    List<ConsumerRecord<String, String>> got = poll(m, 300);
    Compat.checkEq(300, got.size(), "records read by the only member within " + waitSeconds + " s");
    Compat.checkEq(Set.of(0, 1, 2), partitions(m), "partitions of the only member");
  }

  void rebalance() {
    if (members.isEmpty()) waitSeconds = 8;
    KafkaConsumer<String, String> a = members.isEmpty() ? member() : members.get(0);
    KafkaConsumer<String, String> b = member();
    long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
    while (System.nanoTime() < deadline) {
      a.poll(Duration.ofMillis(200));
      b.poll(Duration.ofMillis(200));
      Set<Integer> sa = partitions(a), sb = partitions(b);
      Set<Integer> all = new HashSet<>(sa);
      all.addAll(sb);
      if (!sa.isEmpty() && !sb.isEmpty() && all.equals(Set.of(0, 1, 2)) && sa.size() + sb.size() == 3) return;
    }
    throw new AssertionError("after a second member joined: " + partitions(a) + " and " + partitions(b));
  }

  Map<TopicPartition, Long> ends() {
    Map<TopicPartition, Long> e = new HashMap<>();
    try (KafkaConsumer<String, String> m = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        c.broker.bootstrap), new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
      e.putAll(m.endOffsets(tps, Duration.ofSeconds(15)));
    }
    return e;
  }

  void commit() {
    closeAll();
    KafkaConsumer<String, String> m = member();
    poll(m, 300);
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : ends().entrySet()) offsets.put(e.getKey(), new OffsetAndMetadata(e.getValue() - 1, "compat"));
    m.commitSync(offsets);
    Map<TopicPartition, OffsetAndMetadata> committed = m.committed(offsets.keySet());
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
      OffsetAndMetadata got = committed.get(e.getKey());
      Compat.check(got != null, "nothing committed for " + e.getKey());
      Compat.checkEq(e.getValue().offset(), got.offset(), "committed offset of " + e.getKey());
      Compat.checkEq("compat", got.metadata(), "commit metadata of " + e.getKey());
    }
  }

  void resume() {
    closeAll();
    KafkaConsumer<String, String> m = member();
    List<ConsumerRecord<String, String>> got = poll(m, 3);
    Compat.checkEq(3, got.size(), "records a new member read after the commit (the last of each partition)");
    Map<TopicPartition, Long> ends = ends();
    for (ConsumerRecord<String, String> r : got) {
      Compat.checkEq(ends.get(new TopicPartition(topic, r.partition())) - 1, r.offset(), "resumed offset in " + r.partition());
    }
  }

  // Members with their assignments, and the lag (log end minus committed offset) the way
  // kafka-consumer-groups computes it.
  void describe() throws Exception {
    if (members.isEmpty()) poll(member(), 1);
    try (Admin admin = c.admin()) {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(20, TimeUnit.SECONDS).get(group);
      Compat.checkEq(1, d.members().size(), "members described (state " + d.state() + ")");
      Set<Integer> assigned = new HashSet<>();
      for (TopicPartition tp : d.members().iterator().next().assignment().topicPartitions()) assigned.add(tp.partition());
      Compat.checkEq(Set.of(0, 1, 2), assigned, "partitions described for the member");
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
      Map<TopicPartition, Long> ends = ends();
      long lag = 0;
      for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
        OffsetAndMetadata o = committed.get(e.getKey());
        Compat.check(o != null, "no committed offset listed for " + e.getKey());
        lag += e.getValue() - o.offset();
      }
      Compat.checkEq(3L, lag, "lag of the group (one record per partition after the commit)");
    }
  }

  void list() throws Exception {
    try (Admin admin = c.admin()) {
      Set<String> ids = new HashSet<>();
      for (ConsumerGroupListing l : admin.listConsumerGroups().all().get(20, TimeUnit.SECONDS)) ids.add(l.groupId());
      Compat.check(ids.contains(group), group + " not among the listed groups " + ids);
    }
  }

  void resetOffsets() throws Exception {
    closeAll();
    try (Admin admin = c.admin()) {
      Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
      for (int p = 0; p < 3; p++) zero.put(new TopicPartition(topic, p), new OffsetAndMetadata(0));
      admin.alterConsumerGroupOffsets(group, zero).all().get(20, TimeUnit.SECONDS);
    }
    List<ConsumerRecord<String, String>> got = poll(member(), 300);
    Compat.checkEq(300, got.size(), "records read after resetting the group to offset 0");
  }

  // Two members split an 8-partition topic, a third joins, the first leaves; every record
  // is consumed exactly once because each member commits what it processed when its
  // partitions are revoked (and after each poll).
  void exactlyOnce(String protocol) throws Exception {
    closeAll();
    final String t = topic + "-eo-" + protocol;
    final String g = group + "-eo-" + protocol;
    try (Admin admin = c.admin()) {
      admin.createTopics(List.of(new NewTopic(t, 8, (short) 1))).all().get(20, TimeUnit.SECONDS);
    }
    Map<String, Integer> seen = new HashMap<>();
    Map<String, KafkaConsumer<String, String>> live = new LinkedHashMap<>();
    int[] next = {0};
    Runnable produce200 = () -> {
      try (KafkaProducer<String, String> p = c.producer(Map.of())) {
        for (int i = 0; i < 200; i++, next[0]++) p.send(new ProducerRecord<>(t, "m" + next[0], "v"));
      }
    };
    java.util.function.Function<String, KafkaConsumer<String, String>> join = name -> {
      Map<String, Object> props = new HashMap<>();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.broker.bootstrap);
      props.put(ConsumerConfig.GROUP_ID_CONFIG, g);
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      if (protocol.equals("consumer")) {
        props.put("group.protocol", "consumer");  // timeouts are the broker's then
      } else {
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
      }
      KafkaConsumer<String, String> m = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
      m.subscribe(List.of(t), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> parts) { m.commitSync(); }
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> parts) {}
      });
      live.put(name, m);
      return m;
    };
    // Polls every live member until `done` holds (or fails after 40 s).
    java.util.function.Consumer<java.util.function.BooleanSupplier> pollUntil = done -> {
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      while (!done.getAsBoolean()) {
        Compat.check(System.nanoTime() < deadline, "timed out; assignments " + assignments(live) + ", read " + seen.size());
        for (KafkaConsumer<String, String> m : live.values()) {
          for (ConsumerRecord<String, String> r : m.poll(Duration.ofMillis(100))) seen.merge(r.key(), 1, Integer::sum);
          m.commitSync();
        }
      }
    };
    try {
      produce200.run();
      join.apply("a");
      join.apply("b");
      pollUntil.accept(() -> splits(live));
      produce200.run();
      join.apply("c");
      pollUntil.accept(() -> splits(live));
      produce200.run();
      live.remove("a").close(Duration.ofSeconds(10));
      pollUntil.accept(() -> splits(live));
      produce200.run();
      pollUntil.accept(() -> seen.size() == 800);
    } finally {
      for (KafkaConsumer<String, String> m : live.values()) m.close(Duration.ofSeconds(5));
    }
    for (Map.Entry<String, Integer> e : seen.entrySet()) Compat.checkEq(1, e.getValue(), "reads of " + e.getKey());
    Compat.checkEq(800, seen.size(), "distinct records read by the group");
  }

  static String assignments(Map<String, KafkaConsumer<String, String>> live) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, KafkaConsumer<String, String>> e : live.entrySet()) b.append(e.getKey()).append('=').append(partitions(e.getValue())).append(' ');
    return b.toString();
  }

  // Every live member has partitions, and together they own the 8 exactly once.
  static boolean splits(Map<String, KafkaConsumer<String, String>> live) {
    Set<Integer> all = new HashSet<>();
    int total = 0;
    for (KafkaConsumer<String, String> m : live.values()) {
      Set<Integer> p = partitions(m);
      if (p.isEmpty()) return false;
      all.addAll(p);
      total += p.size();
    }
    return all.size() == 8 && total == 8;
  }

  // Two members of a KIP-848 group split a 4-partition topic with no overlap and read
  // every record exactly once; the group describes as a consumer-protocol group.
  void consumerProtocol() throws Exception {
    closeAll();
    final String t = topic + "-kip848";
    final String g = group + "-kip848";
    try (Admin admin = c.admin()) {
      admin.createTopics(List.of(new NewTopic(t, 4, (short) 1))).all().get(20, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> p = c.producer(Map.of())) {
      for (int i = 0; i < 200; i++) p.send(new ProducerRecord<>(t, i % 4, "k" + i, "v" + i));
    }
    List<KafkaConsumer<String, String>> two = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.broker.bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, g);
        props.put("group.protocol", "consumer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, String> m = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        m.subscribe(List.of(t));
        two.add(m);
      }
      Map<String, Integer> seen = new HashMap<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      boolean split = false;
      while (System.nanoTime() < deadline && !(split && seen.size() == 200)) {
        for (KafkaConsumer<String, String> m : two) {
          for (ConsumerRecord<String, String> r : m.poll(Duration.ofMillis(200))) seen.merge(r.key(), 1, Integer::sum);
          m.commitSync();
        }
        Set<Integer> a = partitions(two.get(0)), b = partitions(two.get(1));
        Set<Integer> both = new HashSet<>(a);
        both.retainAll(b);
        split = !a.isEmpty() && !b.isEmpty() && both.isEmpty() && a.size() + b.size() == 4;
      }
      Compat.check(split, "partitions not split between the two members: " + partitions(two.get(0)) + " and "
          + partitions(two.get(1)));
      Compat.checkEq(200, seen.size(), "distinct records read by the group");
      for (Map.Entry<String, Integer> e : seen.entrySet()) Compat.checkEq(1, e.getValue(), "reads of " + e.getKey());
      try (Admin admin = c.admin()) {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(g)).all().get(20, TimeUnit.SECONDS).get(g);
        Compat.checkEq(2, d.members().size(), "members described (state " + d.state() + ")");
      }
    } finally {
      for (KafkaConsumer<String, String> m : two) m.close(Duration.ofSeconds(5));
    }
  }

  /**
   * A KIP-848 member subscribed by a regular expression reads the matching topics, including
   * one created after it joined, and never one that does not match. `brokerSide`: a
   * SubscriptionPattern (4.x only, so built by reflection: this class compiles against 3.9.1
   * too), which the broker matches; otherwise a java.util.regex.Pattern, which the client
   * matches against the topics of its metadata (refreshed every second here).
   */
  void consumerRegex(boolean brokerSide) throws Exception {
    final String base = "java-regex-" + (brokerSide ? "broker-" : "client-") + ClientScenarios.RUN;
    final String first = base + "-first", later = base + "-later", other = "java-noregex-" + (brokerSide ? "b-" : "c-")
        + ClientScenarios.RUN;
    try (Admin admin = c.admin()) {
      admin.createTopics(List.of(new NewTopic(first, 2, (short) 1), new NewTopic(other, 1, (short) 1)))
          .all().get(20, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> p = c.producer(Map.of())) {
      for (int i = 0; i < 20; i++) p.send(new ProducerRecord<>(first, i % 2, "first" + i, "v" + i));
      for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(other, 0, "other" + i, "v" + i));
    }
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.broker.bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, base);
    props.put("group.protocol", "consumer");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1000);
    try (KafkaConsumer<String, String> m = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      final String regex = base + "-.*";
      if (brokerSide) {
        Class<?> patternClass = Class.forName("org.apache.kafka.clients.consumer.SubscriptionPattern");
        Object pattern = patternClass.getConstructor(String.class).newInstance(regex);
        KafkaConsumer.class.getMethod("subscribe", patternClass).invoke(m, pattern);
      } else {
        m.subscribe(java.util.regex.Pattern.compile(regex));
      }
      Map<String, Integer> seen = new HashMap<>();
      boolean created = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      while (System.nanoTime() < deadline && seen.size() < 30) {
        for (ConsumerRecord<String, String> r : m.poll(Duration.ofMillis(200))) {
          Compat.check(r.topic().startsWith(base + "-"), "a record of " + r.topic() + ", which " + regex + " does not match");
          seen.merge(r.key(), 1, Integer::sum);
        }
        if (!created && seen.size() >= 20) {
          // Every record of the first topic is in: now a topic the member has never seen.
          try (Admin admin = c.admin()) {
            admin.createTopics(List.of(new NewTopic(later, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
          }
          try (KafkaProducer<String, String> p = c.producer(Map.of())) {
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(later, 0, "later" + i, "v" + i));
          }
          created = true;
        }
      }
      Compat.check(created, (brokerSide ? "SubscriptionPattern" : "Pattern") + " " + regex + ": read "
          + seen.size() + " of the 20 records of " + first + " in 40 s (assignment " + m.assignment() + ")");
      Compat.checkEq(30, seen.size(), (brokerSide ? "SubscriptionPattern" : "Pattern") + " " + regex
          + ": distinct records read from " + first + " and " + later + " (assignment " + m.assignment() + ")");
      for (Map.Entry<String, Integer> e : seen.entrySet()) Compat.checkEq(1, e.getValue(), "reads of " + e.getKey());
      Set<String> topics = new HashSet<>();
      for (TopicPartition tp : m.assignment()) topics.add(tp.topic());
      Compat.checkEq(Set.of(first, later), topics, "topics assigned to the member");
    }
  }

  void delete() throws Exception {
    closeAll();
    try (Admin admin = c.admin()) {
      // One partition's offset first (OffsetDelete), then the whole group.
      TopicPartition first = new TopicPartition(topic, 0);
      admin.deleteConsumerGroupOffsets(group, Set.of(first)).all().get(20, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> left =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
      Compat.check(!left.containsKey(first) && left.size() == 2, "offsets after deleting " + first + ": " + left);
      admin.deleteConsumerGroups(List.of(group)).all().get(20, TimeUnit.SECONDS);
      for (ConsumerGroupListing l : admin.listConsumerGroups().all().get(20, TimeUnit.SECONDS)) {
        Compat.check(!l.groupId().equals(group), "group still listed after delete");
      }
    }
  }
}
