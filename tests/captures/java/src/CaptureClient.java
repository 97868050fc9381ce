// Apache Kafka Java client session for traffic capture against a real broker.
// usage: java -cp <classpath>:classes CaptureClient 127.0.0.1:19092 <topic> [classic|consumer]
// The third argument is the consumer's group.protocol: "consumer" (KIP-848, needs the broker
// to enable it) runs a shorter session: one uncompressed producer, no transactions.
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class CaptureClient {
    static Properties base(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", clientId);
        return p;
    }

    static int produce(String bootstrap, String topic, String codec) throws Exception {
        Properties p = base(bootstrap, "java-producer-" + codec);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        int n = 3;
        try (KafkaProducer<String, String> prod = new KafkaProducer<>(p)) {
            List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, "key-" + i,
                        "value " + i + " with " + codec + " compression");
                r.headers().add("h1", "v1".getBytes(StandardCharsets.UTF_8));
                r.headers().add("codec", codec.getBytes(StandardCharsets.UTF_8));
                fs.add(prod.send(r));
            }
            for (var f : fs) f.get(30, TimeUnit.SECONDS);
        }
        return n;
    }

    static int transactions(String bootstrap, String topic) throws Exception {
        // Transactions: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn
        Properties tp = base(bootstrap, "java-txn-producer");
        tp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        tp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        tp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-txn");
        try (KafkaProducer<String, String> prod = new KafkaProducer<>(tp)) {
            prod.initTransactions();
            prod.beginTransaction();
            for (int i = 0; i < 2; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, "txn-key-" + i, "txn value " + i);
                r.headers().add("txn", "yes".getBytes(StandardCharsets.UTF_8));
                prod.send(r);
            }
            prod.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)),
                    new ConsumerGroupMetadata("java-txn-group"));
            prod.commitTransaction();
            prod.beginTransaction();
            prod.send(new ProducerRecord<>(topic, "aborted-key", "aborted value"));
            prod.flush();
            prod.abortTransaction();
        }

        return 2;
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:19092";
        String topic = args.length > 1 ? args[1] : "java-topic";
        String groupProtocol = args.length > 2 ? args[2] : "classic";
        boolean kip848 = groupProtocol.equals("consumer");
        String group = kip848 ? "java-kip848-group" : "java-group";

        try (Admin admin = Admin.create(base(bootstrap, "java-admin"))) {
            admin.describeCluster().nodes().get();
            admin.listTopics().names().get();
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Thread.sleep(500);

        int total = 0;
        for (String codec : kip848 ? List.of("none") : List.of("none", "gzip", "snappy", "lz4", "zstd"))
            total += produce(bootstrap, topic, codec);
        if (!kip848) total += transactions(bootstrap, topic);

        // Consumer group (classic protocol): FindCoordinator, JoinGroup, SyncGroup, OffsetFetch,
        // ListOffsets, Fetch, Heartbeat, OffsetCommit, LeaveGroup
        Properties cp = base(bootstrap, kip848 ? "java-kip848-consumer" : "java-consumer");
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        if (!kip848) cp.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        int seen = 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30000;
            while (seen < total && System.currentTimeMillis() < deadline)
                seen += c.poll(Duration.ofMillis(500)).count();
            c.commitSync();
            long until = System.currentTimeMillis() + 1200;  // let a heartbeat go out
            while (System.currentTimeMillis() < until) c.poll(Duration.ofMillis(200));
            c.committed(Set.of(new TopicPartition(topic, 0)));
        }
        System.err.println("consumed " + seen + " of " + total);

        try (Admin admin = Admin.create(base(bootstrap, "java-admin2"))) {
            TopicPartition tp0 = new TopicPartition(topic, 0);
            admin.listOffsets(Map.of(tp0, OffsetSpec.earliest())).all().get();
            admin.listOffsets(Map.of(tp0, OffsetSpec.latest())).all().get();
            admin.listOffsets(Map.of(tp0, OffsetSpec.forTimestamp(0))).all().get();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            admin.describeConsumerGroups(List.of(group)).all().get();
            admin.listConsumerGroups().all().get();
            admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
                    new ConfigResource(ConfigResource.Type.BROKER, "1"))).all().get();
            admin.describeTopics(List.of(topic)).allTopicNames().get();
            admin.deleteConsumerGroups(List.of(group)).all().get();
            admin.deleteTopics(List.of(topic)).all().get();
        }
        System.err.println("java client done");
    }
}
