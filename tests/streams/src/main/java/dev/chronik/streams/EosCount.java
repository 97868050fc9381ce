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
 * usage: EosCount <chronik binary>   (exit 0: exactly right; 1: wrong; 2: could not run)
 */
public final class EosCount {
  static final int WORDS = 20;
  static final int RECORDS = 3000;

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: EosCount <chronik binary>");
      System.exit(2);
    }
    try (Broker broker = new Broker(args[0])) {
      int rc = run(broker.bootstrap);
      if (rc != 0) System.err.println("chronik log (tail):\n" + broker.logTail());
      System.exit(rc);
    }
  }

  static int run(String bootstrap) throws Exception {
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
    Properties sc = new Properties();
    sc.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-count-" + run);
    sc.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    sc.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    sc.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    sc.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    sc.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    sc.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    sc.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    sc.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    StreamsBuilder b = new StreamsBuilder();
    b.<String, String>stream(input)
        .groupBy((k, v) -> v, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));

    Map<String, Long> last = new HashMap<>();
    int updates = 0;
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
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
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
    }
    if (!last.equals(expected)) {
      System.err.println("FAIL: counts " + last + ", expected " + expected);
      return 1;
    }
    System.out.println("PASS: " + RECORDS + " records counted exactly once into " + WORDS + " words (" + updates
        + " committed updates read)");
    return 0;
  }
}
