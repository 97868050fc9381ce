import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerProtocolAssignment;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.message.DefaultPrincipalData;
import org.apache.kafka.common.message.KRaftVersionRecord;
import org.apache.kafka.common.message.LeaderChangeMessage;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.message.SnapshotFooterRecord;
import org.apache.kafka.common.message.SnapshotHeaderRecord;
import org.apache.kafka.common.message.VotersRecord;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.message.ApiMessageType;

/**
 * An independent oracle for Chronik's protocol codec: Apache Kafka's own generated message
 * classes (kafka-clients) write random instances of every message at every version, and
 * read back and re-write bytes produced by Chronik's C++ encoder.
 *
 * <pre>
 *   Oracle generate &lt;outdir&gt; &lt;count&gt; [seed]   &lt;Message&gt;-v&lt;V&gt;-&lt;n&gt;.bin, message body only
 *   Oracle check &lt;indir&gt; [--require-all] [--known-only &lt;list&gt;]
 *                                            read, require all bytes consumed, re-write, compare
 *                                            (--require-all: every message version needs a file;
 *                                            --known-only: skip the files of message versions this
 *                                            kafka-clients lacks, and list the files checked)
 *   Oracle compare &lt;bindir&gt; &lt;jsondir&gt; [--self-test]
 *                                            value by value: what Kafka reads from each bin file
 *                                            (its JsonConverter's view) against the C++ JSON of
 *                                            the same file (see ValueCompare)
 * </pre>
 */
public final class Oracle {
    static final Pattern FILE_NAME = Pattern.compile("([A-Za-z0-9]+)-v(\\d+)-(\\d+)\\.bin");

    /** One message of the spec set: its Java class, its spec and its file-name stem. */
    static final class Kind {
        final String name; // e.g. ProduceRequest, RequestHeader, DefaultPrincipal
        final Class<? extends Message> cls;
        final Spec spec;
        final short lowest;
        final short highest;        // what this oracle checks (see oracle.olderRelease)
        final short highestInSpec;
        final Constructor<? extends Message> reader;

        Kind(Message prototype, boolean dropUnstableLatest) throws IOException, NoSuchMethodException {
            cls = prototype.getClass();
            String simple = cls.getSimpleName();
            String own = simple.endsWith("Data") ? simple.substring(0, simple.length() - 4) : simple;
            name = own;
            Spec s = Spec.load(simple);
            if (s == null) s = Spec.load(own);
            if (s == null) throw new IllegalStateException("no spec JSON for " + simple + " in kafka-clients");
            spec = s;
            lowest = prototype.lowestSupportedVersion();
            short top = prototype.highestSupportedVersion();
            highestInSpec = top;
            highest = dropUnstableLatest ? (short) (top - 1) : top;
            reader = cls.getConstructor(Readable.class, short.class);
            if (spec.validVersions.lo != lowest || spec.validVersions.hi != highestInSpec) {
                throw new IllegalStateException(simple + ": class supports " + lowest + "-" + highestInSpec
                        + " but its spec says " + spec.validVersions.lo + "-" + spec.validVersions.hi);
            }
        }

        Message newInstance() {
            try {
                return cls.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        boolean flexible(int version) {
            return spec.flexibleVersions.contains(version);
        }
    }

    /** Every request and response of every ApiMessageType, the headers and the data messages. */
    /** Messages Kafka 4.0 renamed without changing their bytes: the newer release checks them. */
    static final java.util.Set<String> RENAMED_LATER = java.util.Set.of(
            "ListClientMetricsResourcesRequest", "ListClientMetricsResourcesResponse");

    /** Data messages that only newer kafka-clients have (4.x). */
    static final String[] OPTIONAL_DATA = {"AbortedTxn", "EndTxnMarker", "ControlRecordTypeSchema"};

    /**
     * With -Doracle.olderRelease=true (kafka-clients 3.9.1 beside a newer one) an API's
     * unstable latest version is left out: Chronik's protocol takes that version from the
     * newer release, which may define it differently.
     */
    static Map<String, Kind> kinds() throws Exception {
        boolean older = Boolean.getBoolean("oracle.olderRelease");
        Map<String, Kind> out = new TreeMap<>();
        for (ApiMessageType t : ApiMessageType.values()) {
            boolean drop = older && t.latestVersionUnstable();
            List<Message> pair;
            try {
                pair = List.of(t.newRequest(), t.newResponse());
            } catch (org.apache.kafka.common.errors.UnsupportedVersionException e) {
                continue;  // an API this release removed (4.0: the ZooKeeper-era ones)
            }
            for (Message m : pair) {
                Kind k = new Kind(m, drop);
                if (k.highest < k.lowest) continue;  // only an unstable version: not this release's
                if (older && RENAMED_LATER.contains(k.name)) continue;
                if (out.put(k.name, k) != null) throw new IllegalStateException("duplicate message " + k.name);
            }
        }
        List<Message> prototypes = new ArrayList<>();
        for (String name : OPTIONAL_DATA) {
            try {
                prototypes.add((Message) Class.forName("org.apache.kafka.common.message." + name)
                        .getDeclaredConstructor().newInstance());
            } catch (ClassNotFoundException e) {
                // an older kafka-clients: the newer one checks it
            }
        }
        prototypes.add(new RequestHeaderData());
        prototypes.add(new ResponseHeaderData());
        prototypes.add(new ConsumerProtocolSubscription());
        prototypes.add(new ConsumerProtocolAssignment());
        prototypes.add(new DefaultPrincipalData());
        prototypes.add(new LeaderChangeMessage());
        prototypes.add(new SnapshotHeaderRecord());
        prototypes.add(new SnapshotFooterRecord());
        prototypes.add(new VotersRecord());
        prototypes.add(new KRaftVersionRecord());
        for (Message m : prototypes) {
            Kind k = new Kind(m, false);
            if (out.put(k.name, k) != null) throw new IllegalStateException("duplicate message " + k.name);
        }
        return out;
    }

    // ---------------------------------------------------------------- random instances

    /** Fills a message with random values for exactly the fields its version has. */
    static final class Filler {
        private static final String[] PIECES = {
            "a", "b", "z", "A", "Q", "0", "9", "-", "_", ".", " ", "/", "\"", "\\",
            "\u00e9", "\u00df", "\u00fc", "\u4e2d", "\u65e5", "\u0416", "\ud83d\ude00", "\ud83c\udf89",
            "\u0000", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff",
        };
        private static final Map<String, java.lang.reflect.Field> JAVA_FIELDS = new ConcurrentHashMap<>();

        private final SplittableRandom r;
        private final int version;
        private final boolean flexible;

        Filler(SplittableRandom r, int version, boolean flexible) {
            this.r = r;
            this.version = version;
            this.flexible = flexible;
        }

        void fill(Object obj, List<Spec.Field> fields) throws ReflectiveOperationException {
            int maxTag = -1;
            for (Spec.Field f : fields) {
                if (f.tag != null) maxTag = Math.max(maxTag, f.tag);
                if (!f.versions.contains(version)) continue; // absent: stays default
                boolean tagged = flexible && f.taggedVersions.contains(version);
                if (tagged && r.nextInt(3) == 0) continue; // tagged: sometimes left default (not written)
                java.lang.reflect.Field jf = javaField(obj.getClass(), f.name);
                jf.set(obj, value(f, f.type, jf.getType(), jf.getGenericType()));
            }
            if (flexible && r.nextInt(4) == 0) addUnknownTags(obj, maxTag);
        }

        /** Unknown tags are chosen above every tag the struct knows in any version, ascending. */
        private void addUnknownTags(Object obj, int maxTag) throws ReflectiveOperationException {
            @SuppressWarnings("unchecked")
            List<RawTaggedField> unknown = (List<RawTaggedField>) obj.getClass().getMethod("unknownTaggedFields").invoke(obj);
            TreeSet<Integer> tags = new TreeSet<>();
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(4)) {
                    case 0: tags.add(maxTag + 1 + r.nextInt(4)); break;
                    case 1: tags.add(maxTag + 1 + r.nextInt(200)); break; // may need 2 varint bytes
                    case 2: tags.add(maxTag + 1 + r.nextInt(1 << 20)); break;
                    default: tags.add(Integer.MAX_VALUE - 1 - r.nextInt(16)); break; // 5-byte varint (MAX_VALUE is Java's sentinel)
                }
            }
            for (int tag : tags) unknown.add(new RawTaggedField(tag, randomBytes(r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(20))));
        }

        private Object value(Spec.Field f, String type, Class<?> javaType, Type genericType) throws ReflectiveOperationException {
            boolean nullable = f.nullableVersions.contains(version);
            String element = f.elementType();
            if (type.startsWith("[]")) {
                if (nullable && r.nextInt(6) == 0) return null;
                @SuppressWarnings("unchecked")
                Collection<Object> c = javaType.isInterface()
                        ? new ArrayList<>()
                        : (Collection<Object>) javaType.getDeclaredConstructor().newInstance();
                Class<?> elementClass = elementClass(javaType, genericType);
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (Spec.Field.isStructType(element)) {
                        Object e = elementClass.getDeclaredConstructor().newInstance();
                        fill(e, f.structFields);
                        c.add(e); // after filling: map-keyed collections hash their elements
                    } else {
                        c.add(scalar(element, false, elementClass));
                    }
                }
                return c;
            }
            if (Spec.Field.isStructType(type)) {
                if (nullable && r.nextInt(5) == 0) return null;
                Object s = javaType.getDeclaredConstructor().newInstance();
                fill(s, f.structFields);
                return s;
            }
            return scalar(type, nullable, javaType);
        }

        private Object scalar(String type, boolean nullable, Class<?> javaType) {
            switch (type) {
                case "bool": return r.nextBoolean();
                case "int8": return (byte) randomInt();
                case "int16": return (short) randomInt();
                case "uint16": return randomInt() & 0xffff;
                case "int32": return randomInt();
                case "uint32": return randomInt() & 0xffffffffL;
                case "int64": return randomLong();
                case "float64": return randomDouble();
                case "uuid": return randomUuid();
                case "string":
                    if (nullable && r.nextInt(5) == 0) return null;
                    return randomString();
                case "bytes": {
                    if (nullable && r.nextInt(5) == 0) return null;
                    byte[] b = randomBytes(r.nextInt(4) == 0 ? 0 : r.nextInt(24));
                    if (javaType == ByteBuffer.class) return ByteBuffer.wrap(b); // zeroCopy
                    if (javaType != byte[].class) throw new IllegalStateException("bytes field of Java type " + javaType);
                    return b;
                }
                case "records": {
                    // Java holds these as MemoryRecords over the raw bytes and writes them
                    // back verbatim: random bytes pass through without being parsed.
                    if (nullable && r.nextInt(5) == 0) return null;
                    return Records.readable(ByteBuffer.wrap(randomBytes(r.nextInt(4) == 0 ? 0 : r.nextInt(48))));
                }
                default:
                    throw new IllegalStateException("unknown spec type " + type);
            }
        }

        private int randomInt() {
            switch (r.nextInt(10)) {
                case 0: return new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 127, 128, -128, 255, 32767, -32768, 65535}[r.nextInt(12)];
                case 1: return r.nextInt(1000) - 500;
                default: return r.nextInt();
            }
        }

        private long randomLong() {
            switch (r.nextInt(10)) {
                case 0: return new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, 0xffffffffL}[r.nextInt(7)];
                case 1: return r.nextInt(1000) - 500;
                default: return r.nextLong();
            }
        }

        private double randomDouble() {
            // Edges one time in three: float64 fields are rare (client quotas), and the value
            // comparison (Oracle compare) needs -0.0 and the infinities to turn up.
            switch (r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(9)) {
                case 0: return new double[] {0.0, -0.0, 1.0, -1.5, Double.MAX_VALUE, Double.MIN_VALUE, Double.POSITIVE_INFINITY,
                    Double.NEGATIVE_INFINITY, 1e-300, 123456789.125}[r.nextInt(10)];
                case 1: return Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL); // finite, any exponent
                default: return (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(20));
            }
        }

        private Uuid randomUuid() {
            if (r.nextInt(10) == 0) return Uuid.ZERO_UUID;
            return new Uuid(r.nextLong(), r.nextLong());
        }

        private String randomString() {
            int n = r.nextInt(6) == 0 ? 0 : r.nextInt(12);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < n; i++) b.append(PIECES[r.nextInt(PIECES.length)]);
            return b.toString();
        }

        private byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
            return b;
        }

        private static Class<?> elementClass(Class<?> javaType, Type genericType) {
            Type t;
            if (javaType.isInterface()) { // List<X>
                t = ((ParameterizedType) genericType).getActualTypeArguments()[0];
            } else { // XCollection extends ImplicitLinkedHashMultiCollection<X>
                t = ((ParameterizedType) javaType.getGenericSuperclass()).getActualTypeArguments()[0];
            }
            return (Class<?>) t;
        }

        /** The Java member for a spec field: camelCase of its name (falls back to a loose match). */
        static java.lang.reflect.Field javaField(Class<?> cls, String specName) {
            return JAVA_FIELDS.computeIfAbsent(cls.getName() + "#" + specName, k -> {
                String camel = Character.toLowerCase(specName.charAt(0)) + specName.substring(1);
                java.lang.reflect.Field found = null;
                for (java.lang.reflect.Field jf : cls.getDeclaredFields()) {
                    if (Modifier.isStatic(jf.getModifiers())) continue;
                    if (jf.getName().equals(camel)) {
                        found = jf;
                        break;
                    }
                    if (found == null && jf.getName().replace("_", "").equalsIgnoreCase(specName)) found = jf;
                }
                if (found == null) throw new IllegalStateException("no Java field for " + specName + " in " + cls.getName());
                found.setAccessible(true);
                return found;
            });
        }
    }

    /** One independent stream per file, so a file's content depends only on (seed, name, version, n). */
    static SplittableRandom rngFor(long seed, String name, int version, int n) {
        long h = mix64(seed);
        h = mix64(h ^ name.hashCode());
        h = mix64(h ^ version);
        h = mix64(h ^ n);
        return new SplittableRandom(h);
    }

    private static long mix64(long z) { // SplitMix64's finalizer
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static byte[] write(Message m, short version) {
        // size + write rather than MessageUtil.toByteBuffer, which 4.x no longer has.
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer b = ByteBuffer.allocate(m.size(cache, version));
        m.write(new ByteBufferAccessor(b), cache, version);
        return b.array();
    }

    /** Reads bytes at a version; null with the reason in why[0] if that fails or leaves bytes. */
    static Message read(Kind k, byte[] bytes, short version, String[] why) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        Message m;
        try {
            m = k.reader.newInstance(new ByteBufferAccessor(buf), version);
        } catch (InvocationTargetException e) {
            why[0] = "read failed: " + e.getCause();
            return null;
        } catch (ReflectiveOperationException e) {
            why[0] = "read failed: " + e;
            return null;
        }
        if (buf.hasRemaining()) {
            why[0] = "read left " + buf.remaining() + " of " + bytes.length + " bytes unread";
            return null;
        }
        return m;
    }

    /** Empty string if bytes read at version and written again are the same bytes. */
    static String roundTrip(Kind k, byte[] bytes, short version) {
        String[] why = new String[1];
        Message m = read(k, bytes, version, why);
        if (m == null) return why[0];
        byte[] again;
        try {
            again = write(m, version);
        } catch (RuntimeException e) {
            return "write failed: " + e;
        }
        if (java.util.Arrays.equals(bytes, again)) return "";
        int i = 0;
        while (i < bytes.length && i < again.length && bytes[i] == again[i]) i++;
        return "re-written bytes differ at offset " + i + " (" + bytes.length + " bytes in, " + again.length + " out)";
    }

    static int generate(Path dir, int count, long seed) throws Exception {
        Files.createDirectories(dir);
        Map<String, Kind> kinds = kinds();
        int files = 0, versions = 0, failures = 0;
        for (Kind k : kinds.values()) {
            for (short v = k.lowest; v <= k.highest; v++) {
                versions++;
                for (int n = 0; n < count; n++) {
                    String file = k.name + "-v" + v + "-" + n + ".bin";
                    Message m = k.newInstance();
                    byte[] bytes;
                    try {
                        new Filler(rngFor(seed, k.name, v, n), v, k.flexible(v)).fill(m, k.spec.fields);
                        bytes = write(m, v);
                    } catch (Exception e) {
                        failures++;
                        Throwable c = e instanceof InvocationTargetException ? e.getCause() : e;
                        System.out.println("FAIL " + file + ": could not build or write: " + c);
                        continue;
                    }
                    // Kafka must read its own bytes back to an equal message and the same bytes.
                    String why = roundTrip(k, bytes, v);
                    if (why.isEmpty()) {
                        String[] w = new String[1];
                        if (!m.equals(read(k, bytes, v, w))) why = "read back a different message";
                    }
                    if (!why.isEmpty()) {
                        failures++;
                        System.out.println("FAIL " + file + ": Java does not round-trip its own bytes: " + why);
                    }
                    Files.write(dir.resolve(file), bytes);
                    files++;
                }
            }
        }
        System.out.println("generate: " + files + " files, " + kinds.size() + " messages, " + versions
                + " message versions, seed " + seed + ", " + failures + " failures, in " + dir);
        return failures == 0 ? 0 : 1;
    }

    /**
     * Reads, re-writes and compares every file of dir. With requireAll, every version of
     * every message Kafka knows must have at least one file (a missing one is a failure).
     */
    static int check(Path dir, boolean requireAll, Path checkedList) throws Exception {
        List<String> checked = new ArrayList<>();
        int skipped = 0;
        Map<String, Kind> kinds = kinds();
        List<Path> paths;
        try (Stream<Path> s = Files.list(dir)) {
            paths = s.filter(Files::isRegularFile).sorted().toList();
        }
        Map<String, Integer> perMessage = new TreeMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int passed = 0, failed = 0;
        for (Path p : paths) {
            String file = p.getFileName().toString();
            String why;
            Matcher m = FILE_NAME.matcher(file);
            if (!m.matches()) {
                why = "file name is not <Message>-v<version>-<n>.bin";
            } else {
                Kind k = kinds.get(m.group(1));
                int v = Integer.parseInt(m.group(2));
                if (checkedList != null && (k == null || v < k.lowest || v > k.highest)) {
                    skipped++;  // another release's message version (--known-only)
                    continue;
                }
                perMessage.merge(m.group(1), 1, Integer::sum);
                seen.add(m.group(1) + "-v" + v);
                if (k == null) {
                    why = "unknown message " + m.group(1);
                } else if (v < k.lowest || v > k.highest) {
                    why = "version " + v + " outside " + k.lowest + "-" + k.highest;
                } else {
                    why = roundTrip(k, Files.readAllBytes(p), (short) v);
                }
            }
            if (why.isEmpty()) {
                passed++;
                checked.add(file);
            } else {
                failed++;
                System.out.println("FAIL " + file + ": " + why);
            }
        }
        int missing = 0, versions = 0;
        for (Kind k : kinds.values()) {
            for (int v = k.lowest; v <= k.highest; v++) {
                versions++;
                if (seen.contains(k.name + "-v" + v)) continue;
                missing++;
                if (requireAll) {
                    failed++;
                    System.out.println("FAIL " + k.name + "-v" + v + ": no file for this message version");
                }
            }
        }
        System.out.println("check: " + paths.size() + " files of " + perMessage.size() + " messages in " + dir
                + (missing > 0 ? " (" + missing + " of Kafka's " + versions + " message versions have no file)" : ""));
        if (checkedList != null) {
            Files.write(checkedList, checked);
            System.out.println("check: " + skipped + " files of message versions this kafka-clients does not know, left to another");
        }
        System.out.println("oracle check: " + passed + " passed, " + failed + " failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    /** Prints what Kafka reads from each file (for looking into a failure). */
    static int show(String[] args) throws Exception {
        Map<String, Kind> kinds = kinds();
        int rc = 0;
        for (int i = 1; i < args.length; i++) {
            Path p = Paths.get(args[i]);
            Matcher m = FILE_NAME.matcher(p.getFileName().toString());
            Kind k = m.matches() ? kinds.get(m.group(1)) : null;
            if (k == null) {
                System.out.println(p + ": not a file of a known message");
                rc = 1;
                continue;
            }
            String[] why = new String[1];
            Message msg = read(k, Files.readAllBytes(p), Short.parseShort(m.group(2)), why);
            System.out.println(p + ": " + (msg != null ? msg : why[0]));
            if (msg == null) rc = 1;
        }
        return rc;
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        if (cmd.equals("generate") && (args.length == 3 || args.length == 4)) {
            long seed = args.length == 4 ? Long.parseLong(args[3]) : 1;
            System.exit(generate(Paths.get(args[1]), Integer.parseInt(args[2]), seed));
        }
        if (cmd.equals("check") && args.length >= 2) {
            boolean requireAll = false;
            Path knownOnly = null;
            for (int i = 2; i < args.length; i++) {
                if (args[i].equals("--require-all")) requireAll = true;
                else if (args[i].equals("--known-only") && i + 1 < args.length) knownOnly = Paths.get(args[++i]);
                else System.exit(2);
            }
            System.exit(check(Paths.get(args[1]), requireAll, knownOnly));
        }
        if (cmd.equals("compare") && args.length == 3) System.exit(ValueCompare.compare(Paths.get(args[1]), Paths.get(args[2]), false));
        if (cmd.equals("compare") && args.length == 4 && args[3].equals("--self-test")) {
            System.exit(ValueCompare.compare(Paths.get(args[1]), Paths.get(args[2]), true));
        }
        if (cmd.equals("show") && args.length >= 2) System.exit(show(args));
        System.err.println("usage: Oracle generate <outdir> <count> [seed] | Oracle check <indir> [--require-all] [--known-only <list>] | Oracle compare <bindir> <jsondir> [--self-test] | Oracle show <file>...");
        System.exit(2);
    }
}
