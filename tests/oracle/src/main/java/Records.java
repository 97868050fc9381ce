import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Kafka's MemoryRecords, found where the kafka-clients release on the classpath keeps it
 * (org.apache.kafka.common.record in 3.x, ...record.internal in 4.x), so that one oracle
 * source builds against both.
 */
final class Records {
    private static final Class<?> MEMORY_RECORDS = find("MemoryRecords");
    private static final Class<?> BASE_RECORDS = find("BaseRecords");

    private Records() {}

    private static Class<?> find(String name) {
        for (String pkg : new String[] {"org.apache.kafka.common.record.", "org.apache.kafka.common.record.internal."}) {
            try {
                return Class.forName(pkg + name);
            } catch (ClassNotFoundException e) {
                // the other package
            }
        }
        throw new IllegalStateException("no " + name + " in kafka-clients");
    }

    /** MemoryRecords over `bytes`, as Kafka's classes hold a records field they read. */
    static Object readable(ByteBuffer bytes) {
        try {
            return MEMORY_RECORDS.getMethod("readableRecords", ByteBuffer.class).invoke(null, bytes);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isMemoryRecords(Object v) {
        return MEMORY_RECORDS.isInstance(v);
    }

    static boolean isRecords(Object v) {
        return BASE_RECORDS.isInstance(v);
    }

    /** The bytes a MemoryRecords holds. */
    static ByteBuffer buffer(Object memoryRecords) {
        try {
            Method m = MEMORY_RECORDS.getMethod("buffer");
            return (ByteBuffer) m.invoke(memoryRecords);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
