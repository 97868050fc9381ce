package dev.chronik.streams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams with processing.guarantee=exactly_once_v2 on chronik: a stateful topology
 * (groupBy, which repartitions, and count, whose store has a changelog) over a known input
 * must give exactly the right counts. The output is read with read_committed; every update a
 * key gets must be a count no larger than the true one (a double-counted record shows as a
 * larger count), and the last must be the true one.
 *
 * <p>Scenarios: {@code plain}; {@code kill-broker}, the broker killed -9 once the first counts
 * are committed and started again on its data; {@code kill-instance}, a second application
 * instance in its own JVM, sharing the work, killed -9 mid-run, whose tasks the first takes
 * over (its open transaction is aborted at its timeout).
 *
 * usage: EosCount <chronik binary> [plain|kill-broker|kill-instance]
 *        (exit 0: exactly right; 1: wrong; 2: could not run)
 */
public final class EosCount {
  static final int WORDS = 20;
  static final int RECORDS = 3000;

  public static void main(String[] args) throws Exception {
    if (args.length == 6 && args[0].equals("--instance")) {
      instance(args[1], args[2], args[3], args[4], args[5]);
      return;
    }
    String scenario = args.length == 2 ? args[1] : "plain";
    if (args.length < 1 || args.length > 2 || !List.of("plain", "kill-broker", "kill-instance").contains(scenario)) {
      System.err.println("usage: EosCount <chronik binary> [plain|kill-broker|kill-instance]");
      System.exit(2);
    }
    int rc;
    try (Broker broker = new Broker(args[0])) {
      rc = run(broker, scenario);
      if (rc != 0) System.err.println("chronik log (tail):\n" + broker.logTail());
    }
    // After the broker is stopped: System.exit inside the block would leave it running.
    System.exit(rc);
  }

  static Properties streamsConfig(String bootstrap, String appId, String stateDir) {
    Properties sc = new Properties();
    sc.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    sc.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    sc.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    sc.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    sc.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    sc.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    sc.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    sc.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    sc.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // A killed instance leaves the group after 6 s instead of 45.
    sc.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
    sc.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);
    return sc;
  }

  static StreamsBuilder topology(String input, String output) {
    StreamsBuilder b = new StreamsBuilder();
    b.<String, String>stream(input)
        .groupBy((k, v) -> v, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    return b;
  }

  /** The second instance of kill-instance, in a JVM of its own: runs until it is killed. */
  static void instance(String bootstrap, String appId, String input, String output, String stateDir)
      throws Exception {
    KafkaStreams streams = new KafkaStreams(topology(input, output).build(), streamsConfig(bootstrap, appId, stateDir));
    streams.start();
    System.out.println("instance started");
    Thread.sleep(Long.MAX_VALUE);
  }

  static Process startInstance(String bootstrap, String appId, String input, String output) throws Exception {
    Path state = Files.createTempDirectory("chronik-streams-state-2-");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        EosCount.class.getName(), "--instance", bootstrap, appId, input, output, state.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  static int run(Broker broker, String scenario) throws Exception {
    String bootstrap = broker.bootstrap;
    String run = UUID.randomUUID().toString().substring(0, 8);
    String input = "eos-words-" + run, output = "eos-counts-" + run;
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic(output, 3, (short) 1))).all().get();
    }
    Map<String, Long> expected = new HashMap<>();
    Map<String, Object> pc = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> p = new KafkaProducer<>(pc)) {
      for (int i = 0; i < RECORDS; i++) {
        String word = "w" + (i % WORDS);
        expected.merge(word, 1L, Long::sum);
        p.send(new ProducerRecord<>(input, "k" + i, word));
      }
      p.flush();
    }

    Path state = Files.createTempDirectory("chronik-streams-state-");
    String appId = "eos-count-" + run;
    Properties sc = streamsConfig(bootstrap, appId, state.toString());
    StreamsBuilder b = topology(input, output);

    Map<String, Long> last = new HashMap<>();
    int updates = 0;
    boolean disrupted = scenario.equals("plain");
    // The second instance joins first, so that it owns tasks when it is killed.
    Process second = scenario.equals("kill-instance") ? startInstance(bootstrap, appId, input, output) : null;
    if (second != null) Thread.sleep(3000);
    try (KafkaStreams streams = new KafkaStreams(b.build(), sc)) {
      streams.start();
      Map<String, Object> cc = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.GROUP_ID_CONFIG, "eos-check-" + run,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class);
      try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(cc)) {
        c.subscribe(List.of(output));
        long deadline = System.nanoTime() + Duration.ofSeconds(scenario.equals("plain") ? 45 : 120).toNanos();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
          if (!disrupted && updates > 0) {
            disrupted = true;
            if (second != null) {
              second.destroyForcibly().waitFor();  // SIGKILL
              System.out.println("killed the second instance (-9) after " + updates + " committed updates");
            } else {
              broker.kill9AndRestart();
              System.out.println("killed the broker (-9) after " + updates + " committed updates; restarted");
            }
          }
          for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
            updates++;
            if (!expected.containsKey(r.key()) || r.value() > expected.get(r.key())) {
              System.err.println("FAIL: " + r.key() + " counted " + r.value() + ", true count " + expected.get(r.key()));
              return 1;
            }
            last.put(r.key(), r.value());
          }
          if (streams.state() == KafkaStreams.State.ERROR) {
            System.err.println("FAIL: the Streams application failed");
            return 1;
          }
        }
      }
      streams.close(Duration.ofSeconds(10));
    } finally {
      if (second != null && second.isAlive()) second.destroyForcibly().waitFor();
    }
    if (!disrupted) {
      System.err.println("FAIL: no committed count was read, so nothing was killed");
      return 1;
    }
    if (!last.equals(expected)) {
      System.err.println("FAIL: counts " + last + ", expected " + expected);
      return 1;
    }
    System.out.println("PASS (" + scenario + "): " + RECORDS + " records counted exactly once into " + WORDS
        + " words (" + updates + " committed updates read)");
    return 0;
  }
}
