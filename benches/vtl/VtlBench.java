// Render speed of Apache Velocity 1.7 on the templates of benches/vtl, set up as API Gateway runs
// it (tests/velocity/Harness.java: the InvalidReferenceEventHandler, inline macros off, #evaluate
// removed), for benches/vtl/run.sh. Compiled together with Harness.java, whose JSON and JSONPath
// stand-ins it reuses.
//
// Each template is parsed once (StringResourceLoader -> Template); a render builds a fresh
// VelocityContext (event handler, $context, $input, $util) and merges. Per template: warm-up
// renders for warmup_ms (the JIT compiles), then `samples` timed samples of about sample_ms; the
// median rate is reported.
//
// Usage: java -cp ... VtlBench DIR [warmup_ms sample_ms samples]   (DIR holds templates/, bodies/)
// Prints one JSON line per template: {"engine", "template", "renders_per_s", "us_per_render", "output"}.
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.runtime.resource.loader.StringResourceLoader;

public class VtlBench {
    static final String[] NAMES = {
        "dynamodb-putitem", "sqs-sendmessage", "foreach-100", "response-escape", "input-path-100k", "string-methods"};
    static long sink;

    // $input as Harness.Input, but the body is parsed once per render (as our engine and the
    // velocityjs harness do), not once per $input.path call.
    public static final class Input {
        final String body; Object doc; boolean parsed;
        Input(String body) { this.body = body; }
        public String getBody() { return body.isEmpty() ? "{}" : body; }
        Object doc() {
            if (!parsed) {
                parsed = true;
                try { doc = Harness.Json.parse(body.isEmpty() ? "{}" : body); } catch (RuntimeException e) { doc = null; }
            }
            return doc;
        }
        public Object path(String p) { Object d = doc(); return d == null ? null : Harness.jsonListsFor(Harness.path(d, p)); }
        public String json(String p) { Object d = doc(); if (d == null) return null; Object r = Harness.path(d, p); return r == Harness.MISSING ? "" : Harness.Json.write(r); }
    }

    static VelocityEngine engine() throws Exception {
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("velocimacro.permissions.allow.inline", "false");
        ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ve.setProperty("resource.loader", "string");
        ve.setProperty("string.resource.loader.class", StringResourceLoader.class.getName());
        ve.init();
        java.lang.reflect.Field f = VelocityEngine.class.getDeclaredField("ri");
        f.setAccessible(true);
        ((RuntimeInstance) f.get(ve)).removeDirective("evaluate");
        return ve;
    }

    static final Harness.Util UTIL = new Harness.Util();

    static String render(Template t, String body) throws Exception {
        VelocityContext ctx = new VelocityContext();
        EventCartridge ec = new EventCartridge();
        ec.addEventHandler(new Harness.EmptyIsNull());
        ec.attachToContext(ctx);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("requestId", "c0ffee00-0000-4000-8000-000000000000");
        context.put("stage", "prod");
        ctx.put("context", context);
        ctx.put("input", new Input(body));
        ctx.put("util", UTIL);
        ctx.put("stageVariables", new LinkedHashMap<String, Object>());
        StringWriter w = new StringWriter(512);
        t.merge(ctx, w);
        return w.toString();
    }

    static double[] runFor(Template t, String body, long ms) throws Exception {
        long start = System.nanoTime(), end = start + ms * 1_000_000L, n = 0, now;
        do {
            for (int i = 0; i < 16; i++) sink += render(t, body).length();
            n += 16;
            now = System.nanoTime();
        } while (now < end);
        return new double[] {n, (now - start) / 1e9};
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        long warmup = args.length > 1 ? Long.parseLong(args[1]) : 2000;
        long sample = args.length > 2 ? Long.parseLong(args[2]) : 200;
        int samples = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        VelocityEngine ve = engine();
        for (String name : NAMES) {
            String src = new String(Files.readAllBytes(dir.resolve("templates/" + name + ".vtl")), StandardCharsets.UTF_8);
            String body = new String(Files.readAllBytes(dir.resolve("bodies/" + name + ".json")), StandardCharsets.UTF_8);
            StringResourceLoader.getRepository().putStringResource(name, src);
            Template t = ve.getTemplate(name, "UTF-8");
            String output = render(t, body);
            runFor(t, body, warmup);
            double[] rates = new double[samples];
            for (int i = 0; i < samples; i++) { double[] r = runFor(t, body, sample); rates[i] = r[0] / r[1]; }
            Arrays.sort(rates);
            double rate = rates[samples / 2];
            System.out.printf(Locale.ROOT, "{\"engine\": %s, \"template\": %s, \"renders_per_s\": %.1f, \"us_per_render\": %.3f, \"output\": %s}%n",
                Harness.Json.quote("velocity-1.7-jvm"), Harness.Json.quote(name), rate, 1e6 / rate, Harness.Json.quote(output));
        }
    }
}
