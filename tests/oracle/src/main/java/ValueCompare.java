import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.types.RawTaggedField;

/**
 * Value-level comparison (Oracle compare): for every file Kafka wrote, what Kafka's class reads
 * (as its generated {@code <Message>JsonConverter.write(message, version, true)} shows it) must
 * equal, field by field, the JSON the C++ side wrote of what it decoded from the same bytes
 * ({@code protocol_oracle roundtrip <dir> --json <jsondir>}, chronik::json::to_json). This
 * catches mistakes made identically in our encoder and decoder (two same-typed fields swapped,
 * a field read into the wrong member), which byte round trips cannot see.
 *
 * <p>The walk is driven by the message's spec (the JSON in kafka-clients' jar), so for every
 * field it knows the type and whether the field exists at the version. Normalisation:
 * <ul>
 *   <li>names: ours are the spec's ("ReplicaId"), Kafka's converter uses the camelCase name
 *       with a lowercase first letter ("replicaId");
 *   <li>integers of every width compared as exact integers; float64 by bit pattern (so -0.0
 *       differs from 0.0), our strings "inf"/"-inf"/"nan" (to_json writes non-finite doubles as
 *       text) read as the IEEE values; bytes as decoded byte arrays (ours are base64 text, or
 *       {"size","base64"} for zero-copy bytes; Kafka's are binary nodes); uuids parsed with
 *       {@link Uuid#fromString}; records as their raw bytes (and our "size" checked too) --
 *       taken from the Java member, because Kafka's converters write every non-null records
 *       field as an empty binary node;
 *   <li>fields absent at the version must be absent on both sides; a present field must be on
 *       both sides, except that Kafka's converter leaves out a tagged field holding its
 *       default: then the Java member's value (by reflection) is what ours must equal;
 *   <li>unknown tagged fields: Kafka's converters do not show them, so each struct's
 *       {@code unknownTaggedFields()} (tag and bytes, in order) is compared with our
 *       "_unknown_tagged_fields".
 * </ul>
 * Every mismatch is a failure naming the file and the JSON path (spec names, e.g.
 * {@code $.Topics[1].Partitions[0].FetchOffset}). A message class without a converter would be
 * shown by reflection over its members instead (kafka-clients 3.9.1 has one for every message).
 */
final class ValueCompare {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_REPORTED_PER_FILE = 5;
    private static final Map<Class<?>, Method> CONVERTERS = new ConcurrentHashMap<>();
    private static final Method NO_CONVERTER;

    static {
        try {
            NO_CONVERTER = Object.class.getMethod("toString");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final short version;
    private final boolean flexible;
    private final List<String> mismatches = new ArrayList<>();

    private ValueCompare(short version, boolean flexible) {
        this.version = version;
        this.flexible = flexible;
    }

    /** Compares every bin file of binDir with its JSON twin in jsonDir. */
    static int compare(Path binDir, Path jsonDir, boolean withSelfTest) throws Exception {
        SelfTest selfTest = withSelfTest ? new SelfTest() : null;
        Map<String, Oracle.Kind> kinds = Oracle.kinds();
        List<Path> paths;
        try (Stream<Path> s = Files.list(binDir)) {
            paths = s.filter(Files::isRegularFile).sorted().toList();
        }
        int passed = 0, failed = 0, fields = 0, viaReflection = 0;
        Set<String> reflected = new java.util.TreeSet<>();
        for (Path p : paths) {
            String file = p.getFileName().toString();
            Matcher m = Oracle.FILE_NAME.matcher(file);
            if (!m.matches()) continue;
            Oracle.Kind k = kinds.get(m.group(1));
            short v = Short.parseShort(m.group(2));
            List<String> why = new ArrayList<>();
            if (k == null) {
                why.add("unknown message " + m.group(1));
            } else {
                String[] readWhy = new String[1];
                Message msg = Oracle.read(k, Files.readAllBytes(p), v, readWhy);
                Path jsonFile = jsonDir.resolve(file.substring(0, file.length() - 4) + ".json");
                if (msg == null) {
                    why.add("Kafka cannot read its own file: " + readWhy[0]);
                } else if (!Files.exists(jsonFile)) {
                    why.add("no C++ JSON " + jsonFile + " (the C++ side did not decode this file)");
                } else {
                    JsonNode ours;
                    try {
                        ours = MAPPER.readTree(jsonFile.toFile());
                    } catch (Exception e) {
                        ours = null;
                        why.add("C++ JSON " + jsonFile + " does not parse: " + e.getMessage());
                    }
                    if (ours != null) {
                        Method converter = converter(msg.getClass());
                        JsonNode kafka = null;
                        if (converter != null) {
                            try {
                                kafka = (JsonNode) converter.invoke(null, msg, v, true);
                            } catch (InvocationTargetException e) {
                                why.add("Kafka's JsonConverter failed: " + e.getCause());
                            }
                        } else {
                            viaReflection++;
                            reflected.add(k.name);
                            kafka = null; // struct() falls back to reflection for the whole tree
                        }
                        if (kafka != null || converter == null) {
                            ValueCompare c = new ValueCompare(v, k.flexible(v));
                            c.struct("$", msg, kafka, ours, k.spec.fields);
                            why.addAll(c.mismatches);
                            fields += c.compared;
                            if (selfTest != null && why.isEmpty()) selfTest.offer(file, k, v, msg, kafka, ours);
                        }
                    }
                }
            }
            if (why.isEmpty()) {
                passed++;
            } else {
                failed++;
                for (int i = 0; i < why.size() && i < MAX_REPORTED_PER_FILE; i++) System.out.println("FAIL " + file + ": " + why.get(i));
                if (why.size() > MAX_REPORTED_PER_FILE) System.out.println("FAIL " + file + ": ... and " + (why.size() - MAX_REPORTED_PER_FILE) + " more");
            }
        }
        System.out.println("compare: " + (passed + failed) + " files, " + fields + " values compared"
                + (viaReflection > 0 ? ", " + viaReflection + " files by reflection (no JsonConverter: " + reflected + ")" : "")
                + "; " + passed + " passed, " + failed + " failed");
        boolean selfTestOk = selfTest == null || selfTest.report();
        return failed == 0 && passed > 0 && selfTestOk ? 0 : 1;
    }

    /**
     * Proves the comparison is not vacuous: for each kind of mistake a codec could make
     * symmetrically, corrupts a copy of one C++ JSON that compared equal (two same-typed
     * sibling fields swapped, a value changed, a field moved to a version without it, ...)
     * and requires the comparison to report it at that path. Each mutation is tried on the
     * passing files in order until one has a place for it; every one must find a place.
     */
    static final class SelfTest {
        interface Mutation {
            /** Mutates ours (a copy) in place; returns the JSON path changed, or null if no place. */
            String apply(JsonNode ours, List<Spec.Field> fields, short version, boolean flexible);
        }

        private final Map<String, Mutation> mutations = new java.util.LinkedHashMap<>();
        private final Map<String, String> done = new java.util.LinkedHashMap<>();
        private final List<String> errors = new ArrayList<>();

        SelfTest() {
            mutations.put("two int32 fields swapped", (o, f, v, fl) -> swap(o, f, v, "int32"));
            mutations.put("two int64 fields swapped", (o, f, v, fl) -> swap(o, f, v, "int64"));
            mutations.put("two string fields swapped", (o, f, v, fl) -> swap(o, f, v, "string"));
            mutations.put("two int16 fields swapped", (o, f, v, fl) -> swap(o, f, v, "int16"));
            mutations.put("two bool fields swapped", (o, f, v, fl) -> swap(o, f, v, "bool"));
            mutations.put("int8 off by one", (o, f, v, fl) -> change(o, f, v, "int8", n -> NODES.numberNode(n.longValue() + 1)));
            mutations.put("uint16 off by one", (o, f, v, fl) -> change(o, f, v, "uint16", n -> NODES.numberNode(n.longValue() ^ 1)));
            // (no uint32 mutation: no message of kafka-clients 3.9.1 has a uint32 field)
            mutations.put("int64 low bit", (o, f, v, fl) -> change(o, f, v, "int64", n -> NODES.numberNode(n.longValue() ^ 1)));
            mutations.put("float64 negated (0.0 <-> -0.0, inf <-> -inf)", (o, f, v, fl) -> change(o, f, v, "float64", n -> {
                if (n.isTextual()) return NODES.textNode(n.textValue().startsWith("-") ? n.textValue().substring(1) : "-" + n.textValue());
                return NODES.numberNode(-n.doubleValue());
            }));
            mutations.put("uuid changed", (o, f, v, fl) -> change(o, f, v, "uuid", n -> NODES.textNode(
                    new Uuid(Uuid.fromString(n.textValue()).getMostSignificantBits() ^ 1, Uuid.fromString(n.textValue()).getLeastSignificantBits()).toString())));
            mutations.put("bytes changed", (o, f, v, fl) -> change(o, f, v, "bytes", n -> n.isObject()
                    ? ((ObjectNode) n.deepCopy()).put("base64", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})).put("size", 3)
                    : NODES.textNode(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}))));
            mutations.put("records changed", (o, f, v, fl) -> change(o, f, v, "records", n -> n.isObject()
                    ? ((ObjectNode) n.deepCopy()).put("base64", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})).put("size", 3)
                    : NODES.nullNode()));
            mutations.put("null instead of a value", (o, f, v, fl) -> change(o, f, v, "string", n -> NODES.nullNode()));
            mutations.put("array element dropped", (o, f, v, fl) -> change(o, f, v, "[]", n -> {
                ArrayNode a = ((ArrayNode) n).deepCopy();
                a.remove(a.size() - 1);
                return a;
            }));
            mutations.put("field present at a version without it", (o, f, v, fl) -> addAbsent(o, f, v));
            mutations.put("field missing", (o, f, v, fl) -> removePresent(o, f, v));
            mutations.put("unknown tagged field data changed", (o, f, v, fl) -> unknownTagged(o));
        }

        void offer(String file, Oracle.Kind k, short v, Message msg, JsonNode kafka, JsonNode ours) throws ReflectiveOperationException {
            for (Map.Entry<String, Mutation> e : mutations.entrySet()) {
                if (done.containsKey(e.getKey())) continue;
                JsonNode copy = ours.deepCopy();
                String path = e.getValue().apply(copy, k.spec.fields, v, k.flexible(v));
                if (path == null) continue;
                ValueCompare c = new ValueCompare(v, k.flexible(v));
                c.struct("$", msg, kafka, copy, k.spec.fields);
                String caught = c.mismatches.stream().filter(m -> m.startsWith(path)).findFirst().orElse(null);
                done.put(e.getKey(), file + " " + path + (caught != null ? " -> caught: " + caught : ""));
                if (caught == null) errors.add(e.getKey() + " in " + file + " at " + path + " was not caught (reported: " + c.mismatches + ")");
            }
        }

        boolean report() {
            for (String m : mutations.keySet()) {
                if (!done.containsKey(m)) errors.add(m + ": no file had a place for this mutation");
            }
            for (Map.Entry<String, String> e : done.entrySet()) System.out.println("self-test: " + e.getKey() + ": " + e.getValue());
            for (String e : errors) System.out.println("FAIL self-test: " + e);
            System.out.println("self-test: " + (mutations.size() - errors.size()) + " of " + mutations.size() + " planted mistakes caught");
            return errors.isEmpty();
        }

        /** Visits (object, field, path) for every field present at v, depth first. */
        interface Visit {
            String at(ObjectNode parent, Spec.Field f, String path);
        }

        static String walk(JsonNode o, List<Spec.Field> fields, short v, String path, Visit visit) {
            if (!(o instanceof ObjectNode obj)) return null;
            for (Spec.Field f : fields) {
                if (!f.versions.contains(v) || !obj.has(f.name)) continue;
                String r = visit.at(obj, f, path + "." + f.name);
                if (r != null) return r;
            }
            for (Spec.Field f : fields) {
                if (f.structFields == null || !obj.has(f.name)) continue;
                JsonNode child = obj.get(f.name);
                if (child.isArray()) {
                    for (int i = 0; i < child.size(); i++) {
                        String r = walk(child.get(i), f.structFields, v, path + "." + f.name + "[" + i + "]", visit);
                        if (r != null) return r;
                    }
                } else {
                    String r = walk(child, f.structFields, v, path + "." + f.name, visit);
                    if (r != null) return r;
                }
            }
            return null;
        }

        static String swap(JsonNode root, List<Spec.Field> fields, short v, String type) {
            return walk(root, fields, v, "$", (obj, f, path) -> {
                if (!f.type.equals(type)) return null;
                for (Spec.Field g : fields(obj, fields, root, v)) {
                    if (g == f || !g.type.equals(type) || !obj.has(g.name) || obj.get(g.name).equals(obj.get(f.name))) continue;
                    if (obj.get(f.name).isNull() || obj.get(g.name).isNull()) continue;
                    JsonNode a = obj.get(f.name);
                    obj.set(f.name, obj.get(g.name));
                    obj.set(g.name, a);
                    return path;
                }
                return null;
            });
        }

        /** The spec fields of the struct obj is an instance of (found by walking from root). */
        private static List<Spec.Field> fields(ObjectNode obj, List<Spec.Field> top, JsonNode root, short v) {
            List<List<Spec.Field>> found = new ArrayList<>();
            find(root, top, obj, found);
            return found.isEmpty() ? List.of() : found.get(0);
        }

        private static void find(JsonNode node, List<Spec.Field> fields, ObjectNode target, List<List<Spec.Field>> found) {
            if (node == target) {
                found.add(fields);
                return;
            }
            if (!node.isObject()) return;
            for (Spec.Field f : fields) {
                if (f.structFields == null || !node.has(f.name)) continue;
                JsonNode child = node.get(f.name);
                if (child.isArray()) {
                    for (JsonNode e : child) find(e, f.structFields, target, found);
                } else {
                    find(child, f.structFields, target, found);
                }
            }
        }

        static String change(JsonNode root, List<Spec.Field> fields, short v, String type, java.util.function.UnaryOperator<JsonNode> how) {
            return walk(root, fields, v, "$", (obj, f, path) -> {
                boolean matches = type.equals("[]") ? f.type.startsWith("[]") && obj.get(f.name).size() > 0 : f.type.equals(type);
                if (!matches || obj.get(f.name).isNull()) return null;
                obj.set(f.name, how.apply(obj.get(f.name)));
                return path;
            });
        }

        static String addAbsent(JsonNode root, List<Spec.Field> fields, short v) {
            if (!(root instanceof ObjectNode obj)) return null;
            for (Spec.Field f : fields) {
                if (f.versions.contains(v) || f.structFields != null || f.type.startsWith("[]")) continue;
                obj.set(f.name, f.type.equals("string") || f.type.equals("uuid") || f.type.equals("bytes")
                        ? NODES.textNode("") : f.type.equals("bool") ? NODES.booleanNode(false) : NODES.numberNode(0));
                return "$." + f.name;
            }
            return null;
        }

        static String removePresent(JsonNode root, List<Spec.Field> fields, short v) {
            if (!(root instanceof ObjectNode obj)) return null;
            for (Spec.Field f : fields) {
                if (!f.versions.contains(v) || !obj.has(f.name)) continue;
                obj.remove(f.name);
                return "$." + f.name;
            }
            return null;
        }

        static String unknownTagged(JsonNode root) {
            if (!(root instanceof ObjectNode obj) || !obj.has("_unknown_tagged_fields")) return null;
            ObjectNode first = (ObjectNode) obj.get("_unknown_tagged_fields").get(0);
            byte[] data = Base64.getDecoder().decode(first.get("data").textValue());
            data = java.util.Arrays.copyOf(data, data.length + 1);
            first.put("data", Base64.getEncoder().encodeToString(data));
            return "$._unknown_tagged_fields";
        }
    }

    /** Kafka's generated {@code <Class>JsonConverter.write(<Class>, short, boolean)}, or null. */
    static Method converter(Class<?> cls) {
        Method m = CONVERTERS.computeIfAbsent(cls, c -> {
            try {
                return Class.forName(c.getName() + "JsonConverter").getMethod("write", c, short.class, boolean.class);
            } catch (ReflectiveOperationException e) {
                return NO_CONVERTER;
            }
        });
        return m == NO_CONVERTER ? null : m;
    }

    private int compared;

    private void fail(String path, String what) {
        mismatches.add(path + ": " + what);
    }

    /** Kafka's converter names a field by its camelCase name with a lowercase first letter. */
    static String kafkaName(String specName) {
        return Character.toLowerCase(specName.charAt(0)) + specName.substring(1);
    }

    /**
     * One struct: javaObj is Kafka's object, kafka its converter's JSON (null: none, show the
     * object by reflection), ours the C++ JSON.
     */
    private void struct(String path, Object javaObj, JsonNode kafka, JsonNode ours, List<Spec.Field> fields) throws ReflectiveOperationException {
        if (kafka == null) kafka = reflectStruct(javaObj, fields);
        if (!ours.isObject()) {
            fail(path, "C++ has " + show(ours) + " where Kafka has an object");
            return;
        }
        Set<String> ourKeys = new HashSet<>();
        ours.fieldNames().forEachRemaining(ourKeys::add);
        Set<String> kafkaKeys = new HashSet<>();
        kafka.fieldNames().forEachRemaining(kafkaKeys::add);
        for (Spec.Field f : fields) {
            String at = path + "." + f.name;
            String kName = kafkaName(f.name);
            boolean present = f.versions.contains(version);
            JsonNode o = ours.get(f.name);
            JsonNode k = kafka.get(kName);
            ourKeys.remove(f.name);
            kafkaKeys.remove(kName);
            if (!present) {
                if (o != null) fail(at, "C++ has the field, which does not exist at version " + version + " (" + show(o) + ")");
                if (k != null) fail(at, "Kafka's converter has the field, which does not exist at version " + version);
                continue;
            }
            Object javaValue = Oracle.Filler.javaField(javaObj.getClass(), f.name).get(javaObj);
            if (k == null) {
                if (flexible && f.taggedVersions.contains(version)) {
                    k = reflectValue(f, f.type, javaValue); // a tagged field at its default
                } else {
                    fail(at, "Kafka's converter does not show this field (cannot compare)");
                    continue;
                }
            }
            if (o == null) {
                fail(at, "missing from the C++ JSON (Kafka: " + show(k) + ")");
                continue;
            }
            value(at, f, f.type, javaValue, k, o);
        }
        ourKeys.remove("_unknown_tagged_fields");
        for (String extra : ourKeys) fail(path + "." + extra, "C++ has a field the spec does not know");
        for (String extra : kafkaKeys) fail(path + "." + extra, "Kafka's converter has a field not matched to the spec");
        unknownTagged(path, javaObj, ours.get("_unknown_tagged_fields"));
    }

    private void unknownTagged(String path, Object javaObj, JsonNode ours) throws ReflectiveOperationException {
        @SuppressWarnings("unchecked")
        List<RawTaggedField> kafka = (List<RawTaggedField>) javaObj.getClass().getMethod("unknownTaggedFields").invoke(javaObj);
        String at = path + "._unknown_tagged_fields";
        int n = ours == null ? 0 : ours.size();
        if (ours != null && !ours.isArray()) {
            fail(at, "C++ has " + show(ours) + " where an array is expected");
            return;
        }
        if (n != kafka.size()) {
            fail(at, "Kafka has " + kafka.size() + " unknown tagged fields, C++ " + n);
            return;
        }
        for (int i = 0; i < n; i++) {
            compared++;
            RawTaggedField kf = kafka.get(i);
            JsonNode of = ours.get(i);
            JsonNode tag = of.get("tag");
            byte[] data = base64(of.get("data"));
            if (tag == null || !tag.canConvertToExactIntegral() || tag.longValue() != (kf.tag() & 0xffffffffL)) {
                fail(at + "[" + i + "].tag", "Kafka " + kf.tag() + ", C++ " + show(tag));
            }
            if (data == null || !java.util.Arrays.equals(data, kf.data())) {
                fail(at + "[" + i + "].data", "Kafka " + hex(kf.data()) + ", C++ " + (data == null ? show(of.get("data")) : hex(data)));
            }
        }
    }

    private void value(String path, Spec.Field f, String type, Object javaValue, JsonNode k, JsonNode o) throws ReflectiveOperationException {
        compared++;
        if (k.isNull() || o.isNull()) {
            if (k.isNull() != o.isNull()) fail(path, "Kafka " + show(k) + ", C++ " + show(o));
            return;
        }
        if (type.startsWith("[]")) {
            String element = type.substring(2);
            if (!o.isArray() || !k.isArray()) {
                fail(path, "Kafka " + show(k) + ", C++ " + show(o) + " (expected arrays)");
                return;
            }
            if (o.size() != k.size()) {
                fail(path, "Kafka has " + k.size() + " elements, C++ " + o.size());
                return;
            }
            Iterator<?> javaElements = ((Collection<?>) javaValue).iterator();
            for (int i = 0; i < k.size(); i++) value(path + "[" + i + "]", f, element, javaElements.next(), k.get(i), o.get(i));
            return;
        }
        if (Spec.Field.isStructType(type)) {
            struct(path, javaValue, k, o, f.structFields);
            return;
        }
        switch (type) {
            case "bool":
                if (!o.isBoolean() || o.booleanValue() != k.booleanValue()) fail(path, "Kafka " + show(k) + ", C++ " + show(o));
                return;
            case "int8": case "int16": case "uint16": case "int32": case "uint32": case "int64":
                if (!o.isIntegralNumber() || !o.bigIntegerValue().equals(k.bigIntegerValue())) fail(path, "Kafka " + show(k) + ", C++ " + show(o));
                return;
            case "float64": {
                Double ours = ourDouble(o);
                double kafka = k.doubleValue();
                if (ours == null || Double.doubleToLongBits(ours) != Double.doubleToLongBits(kafka)) {
                    fail(path, "Kafka " + kafka + ", C++ " + show(o));
                }
                return;
            }
            case "string":
                if (!o.isTextual() || !o.textValue().equals(k.textValue())) fail(path, "Kafka " + show(k) + ", C++ " + show(o));
                return;
            case "uuid": {
                Uuid ours = null;
                try {
                    if (o.isTextual()) ours = Uuid.fromString(o.textValue());
                } catch (IllegalArgumentException e) {
                    // reported below
                }
                if (ours == null || !ours.equals(Uuid.fromString(k.textValue()))) fail(path, "Kafka " + show(k) + ", C++ " + show(o));
                return;
            }
            case "bytes":
            case "records": {
                // Kafka's converters write records as an empty binary node whatever they hold
                // (3.9.1: `new BinaryNode(new byte[0])` with serializeRecords), so for records
                // the bytes come from the Java member itself (MemoryRecords over the raw bytes).
                byte[] kafka = type.equals("records") ? binary(reflectValue(f, type, javaValue)) : binary(k);
                byte[] ours = base64(o.isObject() ? o.get("base64") : o);
                if (ours == null) {
                    fail(path, "C++ has " + show(o) + ", not base64 bytes");
                } else if (!java.util.Arrays.equals(ours, kafka)) {
                    fail(path, "Kafka " + hex(kafka) + ", C++ " + hex(ours));
                } else if (o.isObject() && o.has("size") && o.get("size").asLong(-1) != kafka.length) {
                    fail(path + ".size", "C++ says " + show(o.get("size")) + " for " + kafka.length + " bytes");
                }
                return;
            }
            default:
                throw new IllegalStateException(path + ": unknown spec type " + type);
        }
    }

    /** Our float64: a JSON number, or the text to_json writes for a non-finite double. */
    private static Double ourDouble(JsonNode o) {
        if (o.isNumber()) return o.doubleValue();
        if (!o.isTextual()) return null;
        switch (o.textValue().toLowerCase()) {
            case "inf": case "+inf": case "infinity": case "+infinity": return Double.POSITIVE_INFINITY;
            case "-inf": case "-infinity": return Double.NEGATIVE_INFINITY;
            case "nan": case "-nan": case "+nan": return Double.NaN;
            default: return null;
        }
    }

    private static byte[] binary(JsonNode k) {
        try {
            return k.binaryValue();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] base64(JsonNode text) {
        if (text == null || !text.isTextual()) return null;
        try {
            return Base64.getDecoder().decode(text.textValue());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- reflection view

    /** A struct by reflection over its members, in the converter's form (camelCase names). */
    static ObjectNode reflectStruct(Object obj, List<Spec.Field> fields) throws ReflectiveOperationException {
        ObjectNode out = NODES.objectNode();
        for (Spec.Field f : fields) {
            // Versions are checked against the spec by the walk; here every member is shown
            // (a member absent at the version holds its default and the walk skips it).
            Object v = Oracle.Filler.javaField(obj.getClass(), f.name).get(obj);
            out.set(kafkaName(f.name), reflectValue(f, f.type, v));
        }
        return out;
    }

    static JsonNode reflectValue(Spec.Field f, String type, Object v) throws ReflectiveOperationException {
        if (v == null) return NODES.nullNode();
        if (type.startsWith("[]")) {
            ArrayNode a = NODES.arrayNode();
            for (Object e : (Collection<?>) v) a.add(reflectValue(f, type.substring(2), e));
            return a;
        }
        if (Spec.Field.isStructType(type)) return reflectStruct(v, f.structFields);
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        if (v instanceof Double d) return NODES.numberNode(d);
        if (v instanceof Number n) return NODES.numberNode(n.longValue());
        if (v instanceof String s) return NODES.textNode(s);
        if (v instanceof Uuid u) return NODES.textNode(u.toString());
        if (v instanceof byte[] b) return NODES.binaryNode(b);
        if (v instanceof ByteBuffer b) return NODES.binaryNode(bytesOf(b));
        if (Records.isMemoryRecords(v)) return NODES.binaryNode(bytesOf(Records.buffer(v)));
        if (Records.isRecords(v)) throw new IllegalStateException("records of class " + v.getClass());
        throw new IllegalStateException("cannot show a " + v.getClass() + " for " + type);
    }

    private static byte[] bytesOf(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    // ---------------------------------------------------------------- messages

    private static String show(JsonNode n) {
        if (n == null) return "nothing";
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length + " bytes ");
        for (int i = 0; i < b.length && i < 24; i++) s.append(String.format("%02x", b[i]));
        if (b.length > 24) s.append("...");
        return s.toString();
    }
}
