import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a Kafka message spec (the JSON files that generated the Java classes, read
 * from kafka-clients' own jar, common/message/*.json) that the random filler needs: which
 * fields exist at which version, which are nullable or tagged there, and their types.
 */
final class Spec {
    /** A version range such as "0+", "3-7", "5" or "none". */
    static final class Versions {
        static final Versions NONE = new Versions(1, 0);
        final int lo;
        final int hi;

        Versions(int lo, int hi) {
            this.lo = lo;
            this.hi = hi;
        }

        static Versions parse(Object text) {
            if (text == null) return NONE;
            String t = text.toString().trim();
            if (t.equals("none")) return NONE;
            if (t.endsWith("+")) return new Versions(Integer.parseInt(t.substring(0, t.length() - 1)), Short.MAX_VALUE);
            int dash = t.indexOf('-');
            if (dash > 0) return new Versions(Integer.parseInt(t.substring(0, dash)), Integer.parseInt(t.substring(dash + 1)));
            int v = Integer.parseInt(t);
            return new Versions(v, v);
        }

        boolean contains(int v) {
            return v >= lo && v <= hi;
        }
    }

    static final class Field {
        final String name;
        final String type; // "int32", "[]string", "[]SomeStruct", "SomeStruct", ...
        final Versions versions;
        final Versions nullableVersions;
        final Versions taggedVersions;
        final Integer tag;
        /** The struct's fields when type (or its element type) is a struct, else null. */
        List<Field> structFields;

        Field(Map<String, Object> json) {
            name = (String) json.get("name");
            type = (String) json.get("type");
            versions = Versions.parse(json.get("versions"));
            nullableVersions = Versions.parse(json.get("nullableVersions"));
            taggedVersions = Versions.parse(json.get("taggedVersions"));
            Object t = json.get("tag");
            tag = t == null ? null : t instanceof Number ? ((Number) t).intValue() : Integer.decode(t.toString().trim());
        }

        String elementType() {
            return type.startsWith("[]") ? type.substring(2) : null;
        }

        static boolean isStructType(String type) {
            return Character.isUpperCase(type.charAt(0));
        }
    }

    final String name;
    final String type;
    final Versions validVersions;
    final Versions flexibleVersions;
    final List<Field> fields;

    private Spec(Map<String, Object> json) {
        name = (String) json.get("name");
        type = (String) json.get("type");
        validVersions = Versions.parse(json.get("validVersions"));
        flexibleVersions = Versions.parse(json.get("flexibleVersions"));
        Map<String, List<Field>> common = new HashMap<>();
        List<Field> pending = new ArrayList<>();
        Object cs = json.get("commonStructs");
        if (cs != null) {
            for (Object o : (List<?>) cs) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                common.put((String) m.get("name"), fields(m.get("fields"), pending));
            }
        }
        fields = fields(json.get("fields"), pending);
        for (Field f : pending) {
            if (f.structFields == null) {
                String t = f.elementType() != null ? f.elementType() : f.type;
                f.structFields = common.get(t);
                if (f.structFields == null) throw new IllegalStateException(name + ": no struct " + t + " for field " + f.name);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Field> fields(Object json, List<Field> pending) {
        List<Field> out = new ArrayList<>();
        if (json == null) return out;
        for (Object o : (List<?>) json) {
            Map<String, Object> m = (Map<String, Object>) o;
            Field f = new Field(m);
            String t = f.elementType() != null ? f.elementType() : f.type;
            if (Field.isStructType(t)) {
                if (m.get("fields") != null) f.structFields = fields(m.get("fields"), pending);
                pending.add(f);
            }
            out.add(f);
        }
        return out;
    }

    /** Loads common/message/{resource}.json from the classpath (kafka-clients' jar). */
    @SuppressWarnings("unchecked")
    static Spec load(String resource) throws IOException {
        try (InputStream in = Spec.class.getClassLoader().getResourceAsStream("common/message/" + resource + ".json")) {
            if (in == null) return null;
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Spec((Map<String, Object>) Json.parse(text));
        }
    }
}
