package dev.chronik.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Exactly-once with the plain clients, the way it is done without Streams: a consume-transform-
 * produce loop whose read_committed consumer has its offsets committed in the producer's
 * transaction (sendOffsetsToTransaction with the consumer's group metadata), while the broker is
 * killed -9 again and again and started again on its data. On any error the loop closes both
 * clients and starts fresh ones: the new producer, with the same transactional.id, fences the old
 * one and has its open transaction aborted; the new consumer resumes from the committed offsets.
 * Read with read_committed, the output must then hold every input value exactly once, and
 * nothing else.
 *
 * <p>Restarted at once, the broker is back before the clients give up: they reconnect and carry
 * on, the open transaction with them, so the broker must have kept it and the producer's state.
 * Hence the second kill keeps it dead past the client timeouts, so that the loop's recovery
 * (fencing, the abort of the open transaction) is gone through too.
 *
 * usage: CtpKillBroker <chronik binary>   (exit 0: exactly once; 1: not)
 */
public final class CtpKillBroker {
  static final int RECORDS = 20_000;
  static final int PARTITIONS = 3;
  static final int KILLS = 3;
  /** Records per transaction (max.poll.records). */
  static final int BATCH = 100;
  /**
   * The transform's pause inside each transaction, between the sends and the commit, so that kills
   * land in open transactions. It also caps the loop at BATCH records per PAUSE_MS, so that it
   * cannot use up the input in the KILLS * KILL_SPACING_MS the kills need.
   */
  static final long PAUSE_MS = 40;
  static final long KILL_SPACING_MS = 2000;
  /** How long the second kill keeps the broker dead: longer than the client timeouts below. */
  static final Duration OUTAGE = Duration.ofSeconds(12);
  static final Duration LOOP_TIMEOUT = Duration.ofSeconds(75);
  /** Client timeouts: a request to a killed broker fails in seconds, not the default minutes. */
  static final int CLIENT_TIMEOUT_MS = 10_000;
  /** Shorter, as the producer's delivery.timeout.ms must cover it and linger.ms. */
  static final int REQUEST_TIMEOUT_MS = 5_000;
  static final int TRANSACTION_TIMEOUT_MS = 20_000;

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: CtpKillBroker <chronik binary>");
      System.exit(2);
    }
    int rc;
    try (Broker broker = new Broker(args[0])) {
      rc = run(broker);
      if (rc != 0) System.err.println("chronik log (tail):\n" + broker.logTail());
    }
    // After the broker is stopped: System.exit inside the block would leave it running.
    System.exit(rc);
  }

  static int run(Broker broker) throws Exception {
    String bootstrap = broker.bootstrap;
    String run = UUID.randomUUID().toString().substring(0, 8);
    String input = "ctp-in-" + run, output = "ctp-out-" + run;
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(input, PARTITIONS, (short) 1),
          new NewTopic(output, PARTITIONS, (short) 1))).all().get();
    }
    Map<TopicPartition, Long> ends = produceInput(bootstrap, input);

    Killer killer = new Killer(broker);
    killer.start();
    Loop loop = new Loop(bootstrap, input, output, "ctp-" + run, "ctp-txn-" + run, ends, killer.committed);
    boolean done;
    try {
      done = loop.run(killer);
    } finally {
      killer.finish();
    }
    if (killer.failed != null) {
      System.err.println("FAIL (ctp-kill-broker): restarting the broker failed: " + killer.failed);
      return 1;
    }
    String how = loop.transactions + " transactions committed, client errors recovered from: " + loop.errors;
    if (!done) {
      // What the output holds so far tells lost or doubled records from a loop that was just slow.
      String wrong = check(bootstrap, output);
      System.err.println("FAIL (ctp-kill-broker): the group's committed offsets did not reach the input's end "
          + ends + " within " + LOOP_TIMEOUT.toSeconds() + " s (" + killer.committed.get() + " records committed, "
          + how + "); the output so far: " + (wrong == null ? "every input value once" : wrong));
      return 1;
    }
    if (killer.kills < KILLS) {
      System.err.println("FAIL (ctp-kill-broker): the input ran out after " + killer.kills + " of " + KILLS + " kills");
      return 1;
    }
    String wrong = check(bootstrap, output);
    if (wrong != null) {
      System.err.println("FAIL (ctp-kill-broker): " + wrong + "; " + how);
      return 1;
    }
    System.out.println("PASS (ctp-kill-broker): " + RECORDS + " records transformed exactly once with the broker killed -9 "
        + KILLS + " times (" + how + ")");
    return 0;
  }

  /** RECORDS values "0".."RECORDS-1", committed (idempotent, acks=all); returns the end offsets. */
  static Map<TopicPartition, Long> produceInput(String bootstrap, String input) throws Exception {
    Map<String, Object> pc = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    List<Future<RecordMetadata>> sent = new ArrayList<>(RECORDS);
    try (KafkaProducer<String, String> p = new KafkaProducer<>(pc)) {
      for (int i = 0; i < RECORDS; i++) sent.add(p.send(new ProducerRecord<>(input, "k" + i, Integer.toString(i))));
      p.flush();
    }
    Map<TopicPartition, Long> ends = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
    for (Future<RecordMetadata> f : sent) {
      RecordMetadata md = f.get();  // throws if any record was not written
      ends.merge(new TopicPartition(md.topic(), md.partition()), md.offset() + 1, Math::max);
    }
    return ends;
  }

  /**
   * Kills the broker -9 and starts it again on its data, KILLS times: each once KILL_SPACING_MS
   * have passed since the last start and the loop has committed since, so that every kill finds
   * a loop that recovered from the one before. The second restart waits for the OUTAGE.
   */
  static final class Killer extends Thread {
    /** Input records in transactions the loop saw committed. */
    final AtomicLong committed = new AtomicLong();
    private final Broker broker;
    volatile int kills;
    volatile Exception failed;
    private volatile boolean stop;

    Killer(Broker broker) {
      super("killer");
      this.broker = broker;
      setDaemon(true);  // an exception in main must not leave the JVM waiting for it
    }

    @Override
    public void run() {
      try {
        while (kills < KILLS) {
          long since = committed.get();
          long started = System.nanoTime();
          while (committed.get() == since || System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(KILL_SPACING_MS)) {
            if (stop) return;
            Thread.sleep(10);
          }
          if (stop) return;
          long at = committed.get();
          Duration outage = kills == 1 ? OUTAGE : Duration.ZERO;
          broker.kill9AndRestart(outage);
          kills++;
          System.out.println("killed the broker (-9) after " + at + " records committed; restarted"
              + (outage.isZero() ? "" : " " + outage.toSeconds() + " s later"));
        }
      } catch (Exception e) {
        failed = e;
      }
    }

    /** Stops killing and waits for a restart under way, so that the broker can be stopped. */
    void finish() throws InterruptedException {
      stop = true;
      join();
    }
  }

  /** The consume-transform-produce loop, with fresh clients after every error. */
  static final class Loop {
    final String bootstrap, input, output, group, transactionalId;
    final Map<TopicPartition, Long> ends;
    final AtomicLong committed;
    int transactions;
    /** Client errors recovered from, by kind: what the broker's deaths looked like to the clients. */
    final Map<String, Integer> errors = new TreeMap<>();

    Loop(String bootstrap, String input, String output, String group, String transactionalId,
        Map<TopicPartition, Long> ends, AtomicLong committed) {
      this.bootstrap = bootstrap;
      this.input = input;
      this.output = output;
      this.group = group;
      this.transactionalId = transactionalId;
      this.ends = ends;
      this.committed = committed;
    }

    /** Until the group's committed offsets reach the input's end: true, or false at the deadline. */
    boolean run(Killer killer) throws InterruptedException {
      Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, CLIENT_TIMEOUT_MS));
      try {
        return run(killer, admin);
      } finally {
        admin.close(Duration.ofSeconds(2));
      }
    }

    private boolean run(Killer killer, Admin admin) throws InterruptedException {
      long deadline = System.nanoTime() + LOOP_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline && killer.failed == null) {
        KafkaConsumer<String, String> consumer = null;
        KafkaProducer<String, String> producer = null;
        try {
          consumer = new KafkaConsumer<>(consumerConfig());
          producer = new KafkaProducer<>(producerConfig());
          // Fences the producer before it (same transactional.id) and aborts its open transaction.
          producer.initTransactions();
          consumer.subscribe(List.of(input));
          while (System.nanoTime() < deadline) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
            if (records.isEmpty()) {
              if (caughtUp(admin)) return true;
              continue;
            }
            producer.beginTransaction();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
              producer.send(new ProducerRecord<>(output, r.key(), "out-" + r.value()));
              offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            }
            Thread.sleep(PAUSE_MS);
            // The group's generation goes with the offsets, so that a zombie's commit is refused.
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            transactions++;
            committed.addAndGet(records.count());
          }
        } catch (RuntimeException e) {
          // Broker gone, timeouts, fenced, aborted: whatever it was, start over from the committed state.
          String kind = e.getClass().getSimpleName();
          errors.merge(kind, 1, Integer::sum);
          System.out.println("client error, starting fresh clients: " + describe(e));
          Thread.sleep(200);  // not a busy loop should the error come at once again
        } finally {
          // Short: the broker may be dead, and the next producer fences this one anyway.
          if (producer != null) producer.close(Duration.ofSeconds(1));
          if (consumer != null) consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
        }
      }
      return false;
    }

    /** The error and its causes, on one line, each message shortened. */
    static String describe(Throwable e) {
      StringBuilder b = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        String message = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
        if (message.length() > 160) message = message.substring(0, 160) + "...";
        b.append(b.length() == 0 ? "" : "; caused by ").append(t.getClass().getSimpleName()).append(": ").append(message);
      }
      return b.toString();
    }

    /**
     * Whether the group's committed offsets (stable: no transaction pending) reach the input's
     * end. Asked through an Admin, not the consumer: the consumer's committed() would queue on its
     * connection behind its JoinGroup, which the coordinator holds while the rebalance waits for
     * the members of killed clients to time out, and fail the loop for nothing.
     */
    boolean caughtUp(Admin admin) throws InterruptedException {
      Map<TopicPartition, OffsetAndMetadata> at;
      try {
        at = admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().requireStable(true))
            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        return false;  // asked again at the next empty poll
      }
      for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
        OffsetAndMetadata o = at.get(e.getKey());
        if (o == null || o.offset() < e.getValue()) return false;
      }
      return true;
    }

    Map<String, Object> consumerConfig() {
      Map<String, Object> cc = new HashMap<>();
      cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      cc.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      cc.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH);
      cc.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
      cc.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, CLIENT_TIMEOUT_MS);
      // A consumer that could not leave the group (the broker was down) is dropped after 6 s, not 45.
      cc.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
      cc.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000);
      cc.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      cc.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      return cc;
    }

    Map<String, Object> producerConfig() {
      Map<String, Object> pc = new HashMap<>();
      pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      pc.put(ProducerConfig.ACKS_CONFIG, "all");
      pc.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
      pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, CLIENT_TIMEOUT_MS);
      pc.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, CLIENT_TIMEOUT_MS);
      // Longer than the OUTAGE: the transaction open when the broker died must still be open when
      // it is back, so that it is the next producer (fencing this one) that has it aborted, not
      // the coordinator's timeout at start-up.
      pc.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
      pc.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      pc.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      return pc;
    }
  }

  /**
   * Reads the whole output with read_committed: null when it holds every "out-" + input value
   * exactly once and nothing else, else what is wrong.
   */
  static String check(String bootstrap, String output) {
    Map<String, Object> cc = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    Map<String, Integer> seen = new HashMap<>();
    int read = 0;
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) parts.add(new TopicPartition(output, p));
      c.assign(parts);
      c.seekToBeginning(parts);
      // Under read_committed these are last stable offsets: nothing may be left open by now.
      Map<TopicPartition, Long> ends = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) return "could not read the output to its end " + ends + " within 30 s";
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          read++;
          seen.merge(r.value(), 1, Integer::sum);
        }
      }
    }
    int missing = 0, duplicated = 0, extra = 0;
    List<String> samples = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      int n = seen.getOrDefault("out-" + i, 0);
      if (n == 0) missing++;
      if (n > 1) {
        duplicated++;
        extra += n - 1;
      }
      if (n != 1 && samples.size() < 5) samples.add("out-" + i + " x" + n);
    }
    int unexpected = read - RECORDS - extra + missing;  // records whose value no input gives
    if (missing + duplicated + unexpected == 0) return null;
    return read + " records read for " + RECORDS + " inputs: " + missing + " missing, " + duplicated
        + " duplicated (" + extra + " extra copies), " + unexpected + " unexpected; e.g. " + samples;
  }
}
