// Differential oracle: Apache Velocity 1.7 set up the way Amazon API Gateway runs it
// (tests/vtl-aws-recorded/README.md, last row): an InvalidReferenceEventHandler that turns every
// null/undefined reference into "", velocimacro.permissions.allow.inline=false, #evaluate removed.
//
// Usage: java -cp velocity.jar:commons-lang.jar:commons-collections3.jar:. Harness IN.json OUT.json
//   IN.json: [{"id": "...", "template": "...", "body": "...",
//              "path": {..}, "querystring": {..}, "header": {..}, "stageVariables": {..}}, ...]
//   OUT.json: {"id": {"output": "..."} | {"error": "..."}, ...}
// Or: java ... Harness --one TEMPLATE_FILE [BODY]   (prints the output; for quick checks)
import java.io.*;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.app.event.InvalidReferenceEventHandler;
import org.apache.velocity.context.Context;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.util.introspection.Info;

public class Harness {
    // ---------- JSON (objects -> LinkedHashMap, arrays -> ArrayList, ints -> Integer/Long/BigInteger, else Double)
    static final class Json {
        final String s; int i = 0;
        Json(String s) { this.s = s; }
        static Object parse(String s) {
            Json j = new Json(s); j.ws(); Object v = j.value(); j.ws();
            if (j.i != s.length()) throw new IllegalArgumentException("trailing data at " + j.i);
            return v;
        }
        void ws() { while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++; }
        Object value() {
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
            char c = s.charAt(i);
            if (c == '{') {
                i++; LinkedHashMap<String, Object> m = new LinkedHashMap<>(); ws();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    ws(); String k = str(); ws(); expect(':'); ws(); m.put(k, value()); ws();
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect('}'); return m;
                }
            }
            if (c == '[') {
                i++; ArrayList<Object> l = new ArrayList<>(); ws();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    ws(); l.add(value()); ws();
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect(']'); return l;
                }
            }
            if (c == '"') return str();
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int st = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String n = s.substring(st, i);
            if (n.isEmpty()) throw new IllegalArgumentException("bad json at " + st);
            if (n.indexOf('.') < 0 && n.indexOf('e') < 0 && n.indexOf('E') < 0) {
                java.math.BigInteger b = new java.math.BigInteger(n);
                if (b.bitLength() < 32) return b.intValue();
                if (b.bitLength() < 64) return b.longValue();
                return b;
            }
            return Double.valueOf(n);
        }
        void expect(char c) { if (s.charAt(i) != c) throw new IllegalArgumentException("expected " + c + " at " + i); i++; }
        String str() {
            expect('"'); StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': b.append('\n'); break; case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break; case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
        }
        static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                if (c == '"' || c == '\\') b.append('\\').append(c);
                else if (c == '\n') b.append("\\n");
                else if (c == '\r') b.append("\\r");
                else if (c == '\t') b.append("\\t");
                else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                else b.append(c);
            }
            return b.append('"').toString();
        }
        static String write(Object o) {
            if (o == null) return "null";
            if (o instanceof String) return quote((String) o);
            if (o instanceof Map) {
                StringBuilder b = new StringBuilder("{"); boolean first = true;
                for (Object e0 : ((Map<?, ?>) o).entrySet()) {
                    Map.Entry<?, ?> e = (Map.Entry<?, ?>) e0;
                    if (!first) b.append(','); first = false;
                    b.append(quote(String.valueOf(e.getKey()))).append(':').append(write(e.getValue()));
                }
                return b.append('}').toString();
            }
            if (o instanceof List) {
                StringBuilder b = new StringBuilder("["); boolean first = true;
                for (Object e : (List<?>) o) { if (!first) b.append(','); first = false; b.append(write(e)); }
                return b.append(']').toString();
            }
            return String.valueOf(o);
        }
    }

    // A list as API Gateway's $input.path gives it: prints as JSON.
    public static final class JsonList extends ArrayList<Object> {
        JsonList(Collection<?> c) { super(c); }
        @Override public String toString() { return Json.write(this); }
    }

    // ---------- minimal JSONPath for the stand-ins: $, .name, ['name'], [n], [*]
    static Object path(Object doc, String p) {
        if (!p.startsWith("$")) return MISSING;
        List<Object> cur = new ArrayList<>(); cur.add(doc);
        boolean multi = false;
        int i = 1;
        while (i < p.length()) {
            char c = p.charAt(i);
            List<Object> next = new ArrayList<>();
            if (c == '.') {
                int st = ++i;
                while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') i++;
                String k = p.substring(st, i);
                for (Object o : cur) {
                    if (k.equals("*")) { multi = true; if (o instanceof Map) next.addAll(((Map<?, ?>) o).values()); else if (o instanceof List) next.addAll((List<?>) o); }
                    else if (o instanceof Map && ((Map<?, ?>) o).containsKey(k)) next.add(((Map<?, ?>) o).get(k));
                }
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                String in = p.substring(i + 1, end); i = end + 1;
                for (Object o : cur) {
                    if (in.startsWith("'") || in.startsWith("\"")) {
                        String k = in.substring(1, in.length() - 1);
                        if (o instanceof Map && ((Map<?, ?>) o).containsKey(k)) next.add(((Map<?, ?>) o).get(k));
                    } else if (in.equals("*")) {
                        multi = true;
                        if (o instanceof Map) next.addAll(((Map<?, ?>) o).values()); else if (o instanceof List) next.addAll((List<?>) o);
                    } else if (o instanceof List) {
                        int n = Integer.parseInt(in.trim()); List<?> l = (List<?>) o;
                        if (n < 0) n += l.size();
                        if (n >= 0 && n < l.size()) next.add(l.get(n));
                    }
                }
            } else return MISSING;
            cur = next;
        }
        if (multi) return new JsonList(cur);
        return cur.isEmpty() ? MISSING : cur.get(0);
    }

    static final Object MISSING = new Object();

    static Object jsonListsFor(Object o) {
        if (o == MISSING) return null;
        if (o instanceof List) { JsonList l = new JsonList(Collections.emptyList()); for (Object e : (List<?>) o) l.add(jsonListsFor(e)); return l; }
        if (o instanceof Map) { LinkedHashMap<Object, Object> m = new LinkedHashMap<>(); for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) m.put(e.getKey(), jsonListsFor(e.getValue())); return m; }
        return o;
    }

    public static final class Input {
        final String body; final Map<String, Object> params;
        Input(String body, Map<String, Object> params) { this.body = body; this.params = params; }
        public String getBody() { return body.isEmpty() ? "{}" : body; }
        Object doc() { try { return Json.parse(body.isEmpty() ? "{}" : body); } catch (RuntimeException e) { return null; } }
        public Object path(String p) { Object d = doc(); return d == null ? null : jsonListsFor(Harness.path(d, p)); }
        public String json(String p) { Object d = doc(); if (d == null) return null; Object r = Harness.path(d, p); return r == MISSING ? "" : Json.write(r); }
        public Map<String, Object> params() { return params; }
        public Object params(String name) {
            for (String k : new String[] {"path", "querystring", "header"}) {
                Map<?, ?> m = (Map<?, ?>) params.get(k);
                if (m.containsKey(name)) return m.get(name);
            }
            return "";
        }
    }

    public static final class Util {
        public String escapeJavaScript(String s) { return org.apache.commons.lang.StringEscapeUtils.escapeJavaScript(s); }
        public Object parseJson(String s) { return Json.parse(s); }
        public String toJson(Object o) { return Json.write(o); }
        public String urlEncode(String s) throws Exception { return URLEncoder.encode(s, "UTF-8"); }
        public String urlDecode(String s) throws Exception { return URLDecoder.decode(s, "UTF-8"); }
        public String base64Encode(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }
        public String base64Decode(String s) { return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8); }
    }

    static final class EmptyIsNull implements InvalidReferenceEventHandler {
        public Object invalidGetMethod(Context c, String ref, Object obj, String prop, Info i) { return ""; }
        public boolean invalidSetMethod(Context c, String l, String r, Info i) { return false; }
        public Object invalidMethod(Context c, String ref, Object obj, String m, Info i) { return ""; }
    }

    static VelocityEngine engine() throws Exception {
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("velocimacro.permissions.allow.inline", "false");
        ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ve.init();
        // #evaluate is not available on API Gateway: it prints as written.
        java.lang.reflect.Field f = VelocityEngine.class.getDeclaredField("ri");
        f.setAccessible(true);
        ((RuntimeInstance) f.get(ve)).removeDirective("evaluate");
        return ve;
    }

    @SuppressWarnings("unchecked")
    /** Java arrays print with an identity hash that changes every run ("[Ljava.lang.String;@6adede5");
     *  written as "@HASH" so the output file only changes when the corpus or the harness does. */
    static String stableIdentity(String out) {
        return out.replaceAll("(\\[L[\\w.$]+;)@[0-9a-f]+", "$1@HASH");
    }

    static String render(VelocityEngine ve, Map<String, Object> c) throws Exception {
        String body = (String) c.getOrDefault("body", "");
        Map<String, Object> params = new LinkedHashMap<>();
        for (String k : new String[] {"path", "querystring", "header"}) {
            Object m = c.get(k);
            params.put(k, m == null ? new LinkedHashMap<String, Object>() : m);
        }
        VelocityContext ctx = new VelocityContext();
        EventCartridge ec = new EventCartridge();
        ec.addEventHandler(new EmptyIsNull());
        ec.attachToContext(ctx);
        Map<String, Object> context = new LinkedHashMap<>();
        Map<String, Object> ro = new LinkedHashMap<>();
        Map<String, Object> rp = new LinkedHashMap<>();
        rp.put("body", body);
        ro.put("path", rp);
        ro.put("header", new LinkedHashMap<String, Object>());
        ro.put("querystring", new LinkedHashMap<String, Object>());
        context.put("requestOverride", ro);
        Map<String, Object> rso = new LinkedHashMap<>();
        rso.put("header", new LinkedHashMap<String, Object>());
        context.put("responseOverride", rso);
        context.put("stage", "test");
        context.put("requestId", "req-1");
        context.put("httpMethod", "POST");
        context.put("resourcePath", "/");
        ctx.put("context", context);
        ctx.put("input", new Input(body, params));
        ctx.put("util", new Util());
        Object sv = c.get("stageVariables");
        ctx.put("stageVariables", sv == null ? new LinkedHashMap<String, Object>() : sv);
        StringWriter w = new StringWriter();
        ve.evaluate(ctx, w, "template", (String) c.get("template"));
        return w.toString();
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        VelocityEngine ve = engine();
        if (args.length >= 2 && args[0].equals("--one")) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("template", new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8));
            c.put("body", args.length > 2 ? args[2] : "");
            try { System.out.print(render(ve, c)); }
            catch (Exception e) { System.out.print("ERROR: " + e); }
            return;
        }
        String in = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        List<Object> cases = (List<Object>) Json.parse(in);
        StringBuilder out = new StringBuilder("{\n");
        boolean first = true;
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            String res;
            try { res = "{\"output\":" + Json.quote(stableIdentity(render(ve, c))) + "}"; }
            catch (Throwable e) { res = "{\"error\":" + Json.quote(e.getClass().getSimpleName()) + "}"; }
            if (!first) out.append(",\n"); first = false;
            out.append(Json.quote((String) c.get("id"))).append(':').append(res);
        }
        out.append("\n}\n");
        Files.write(Paths.get(args[1]), out.toString().getBytes(StandardCharsets.UTF_8));
    }
}
